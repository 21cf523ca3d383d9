//! The integration tests, in one binary (one link step): a module per area.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "tests assert by panicking"
)]

mod accessibility;
mod admin;
mod asked;
mod browser;
mod bts;
mod candidate_page;
mod cdp;
mod cli;
mod clients;
mod conventions;
mod diagnostics;
mod diff;
mod exact_values;
mod examples;
mod folder_faults;
mod format;
mod hints;
mod http;
mod interpretations;
mod interview;
mod jwt;
mod language;
mod layers;
mod limits;
mod peers;
mod pipeline;
mod proxied;
mod publishing;
mod records;
mod reload;
mod review_page;
mod runner;
mod schemas;
mod second_policy;
mod serve;
mod sessions;
mod settle;
mod stopping;
mod symlinks;
mod tables;
mod tls;
