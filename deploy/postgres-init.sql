-- First start of the PostgreSQL volume: the tracking store gets its own database beside Rasa's tracker store.
CREATE DATABASE tracking OWNER dmsbot;
