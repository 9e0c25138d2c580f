-- One database per service: each service owns its log and read models.
CREATE DATABASE inventory;
CREATE DATABASE maintenance;
CREATE DATABASE resources;
CREATE DATABASE training;
CREATE DATABASE reporting;
CREATE DATABASE gateway;
