//! The sans-I/O wait machine.
