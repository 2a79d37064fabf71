//! Schema sets per spec version, compiled once from the embedded copies.

pub mod embedded;
