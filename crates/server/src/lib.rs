#![doc = include_str!("../README.md")]

pub mod cli;
pub mod database;
pub mod log_writer;
pub mod seed;
pub mod settings;
pub mod startup;
pub mod telemetry;
