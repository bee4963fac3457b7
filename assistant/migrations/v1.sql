-- Store schema version 1, frozen: never edit. Later versions are further steps in
-- assistant/tables.py MIGRATIONS (ALTER TABLE …), so a store from any release upgrades in place.
CREATE TABLE activities (
	id VARCHAR NOT NULL, 
	title VARCHAR NOT NULL, 
	category VARCHAR NOT NULL, 
	start DATETIME NOT NULL, 
	place VARCHAR NOT NULL, 
	capacity INTEGER NOT NULL, 
	taken INTEGER NOT NULL, 
	source VARCHAR NOT NULL, 
	PRIMARY KEY (id)
);
CREATE INDEX ix_activities_category ON activities (category);
CREATE INDEX ix_activities_start ON activities (start);
CREATE TABLE bookings (
	id VARCHAR NOT NULL, 
	activity_id VARCHAR NOT NULL, 
	status VARCHAR NOT NULL, 
	reason VARCHAR NOT NULL, 
	created_at DATETIME NOT NULL, 
	updated_at DATETIME NOT NULL, 
	PRIMARY KEY (id)
);
CREATE INDEX ix_bookings_activity_id ON bookings (activity_id);
CREATE TABLE service_requests (
	id VARCHAR NOT NULL, 
	service VARCHAR NOT NULL, 
	day DATE NOT NULL, 
	time VARCHAR, 
	status VARCHAR NOT NULL, 
	reason VARCHAR NOT NULL, 
	created_at DATETIME NOT NULL, 
	PRIMARY KEY (id)
);
CREATE TABLE reminders (
	id VARCHAR NOT NULL, 
	content VARCHAR NOT NULL, 
	time VARCHAR NOT NULL, 
	start_date DATE NOT NULL, 
	repeat VARCHAR, 
	active BOOLEAN NOT NULL, 
	source VARCHAR NOT NULL, 
	created_at DATETIME NOT NULL, 
	updated_at DATETIME NOT NULL, 
	PRIMARY KEY (id)
);
CREATE TABLE reminder_events (
	id INTEGER NOT NULL, 
	reminder_id VARCHAR NOT NULL, 
	due_at DATETIME NOT NULL, 
	status VARCHAR NOT NULL, 
	attempts INTEGER NOT NULL, 
	last_prompt_at DATETIME, 
	updated_at DATETIME NOT NULL, 
	PRIMARY KEY (id), 
	CONSTRAINT uq_occurrence UNIQUE (reminder_id, due_at)
);
CREATE INDEX ix_reminder_events_reminder_id ON reminder_events (reminder_id);
CREATE INDEX ix_reminder_events_status ON reminder_events (status);
CREATE TABLE announcements (
	id VARCHAR NOT NULL, 
	text TEXT NOT NULL, 
	urgent BOOLEAN NOT NULL, 
	status VARCHAR NOT NULL, 
	created_at DATETIME NOT NULL, 
	spoken_at DATETIME, 
	PRIMARY KEY (id)
);
CREATE TABLE messages (
	id VARCHAR NOT NULL, 
	direction VARCHAR NOT NULL, 
	peer VARCHAR NOT NULL, 
	text TEXT NOT NULL, 
	heard BOOLEAN NOT NULL, 
	created_at DATETIME NOT NULL, 
	PRIMARY KEY (id)
);
CREATE TABLE points (
	id INTEGER NOT NULL, 
	balance INTEGER NOT NULL, 
	updated_at DATETIME NOT NULL, 
	PRIMARY KEY (id)
);
CREATE TABLE settings (
	"key" VARCHAR NOT NULL, 
	value TEXT NOT NULL, 
	PRIMARY KEY ("key")
);
CREATE TABLE outbox (
	seq INTEGER NOT NULL, 
	op_id VARCHAR NOT NULL, 
	type VARCHAR NOT NULL, 
	payload TEXT NOT NULL, 
	urgent BOOLEAN NOT NULL, 
	created_at DATETIME NOT NULL, 
	state VARCHAR NOT NULL, 
	sent_at DATETIME, 
	acked_at DATETIME, 
	result TEXT, 
	attempts INTEGER NOT NULL, 
	PRIMARY KEY (seq), 
	UNIQUE (op_id)
);
CREATE INDEX ix_outbox_type ON outbox (type);
CREATE INDEX ix_outbox_state ON outbox (state);
