//! Crash points: the one place where a test can make a real run die between two steps.
//!
//! The promises about kills (a killed run leaves nothing that looks complete; the same command
//! then settles it) are only worth what tests that really kill a run show. Each step of a commit
//! that matters calls [`crash_point`] with its name, and the tests set `SCOUR_CRASH_AT` to that
//! name. Every point is named here, so a newcomer sees them all at once.

/// The points a run can be stopped at, in the order a run with state passes them.
pub(crate) const POINTS: [&str; 5] = [
    "checkpointed",
    "staged",
    "committed",
    "publishing",
    "half-published",
];

/// Dies on the spot, as `kill -9` would, when `SCOUR_CRASH_AT` names this point: the crash
/// tests use it to stop a real run exactly between two steps of its commit (and a shard task,
/// `shard-I`, as it starts).
pub(crate) fn crash_point(name: &str) {
    debug_assert!(POINTS.contains(&name) || name.starts_with("shard-"));
    static CRASH_AT: std::sync::OnceLock<Option<String>> = std::sync::OnceLock::new();
    let crash_at = CRASH_AT.get_or_init(|| std::env::var("SCOUR_CRASH_AT").ok());
    if crash_at.as_deref() == Some(name) {
        std::process::abort();
    }
}
