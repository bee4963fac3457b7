// Ask before destructive form submissions (CSP forbids inline handlers, so this is wired here).
document.addEventListener("submit", function (event) {
  var question = event.target.getAttribute("data-confirm");
  if (question && !window.confirm(question)) {
    event.preventDefault();
  }
});
