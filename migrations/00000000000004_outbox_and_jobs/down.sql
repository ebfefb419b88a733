DROP TABLE jobs;
DROP TABLE outbox_events;
