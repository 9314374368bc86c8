//! Configuration-file change monitoring (being written).
