//! The integration tests, in one binary (one link step): a module per area.

mod format;
