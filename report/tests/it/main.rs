//! Integration tests of cnab-report, one module per topic.

mod api;
mod badge;
mod browser;
mod diff;
mod html;
mod junit;
mod markdown;
mod merge;
mod props;
mod sample;
mod schema;
mod xfail;
