package store

// Migrations are the file's schema steps, for tests that write an older file.
var Migrations = migrations
