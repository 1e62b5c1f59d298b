//! The run's cancellation flag: how a signal (SIGINT, SIGTERM) reaches a run in progress.
//!
//! The library installs no signal handler (that is the binary's business, like printing); it
//! only looks at this flag between batches. When the flag is up, the run stops at the next
//! batch boundary, removes what it staged (or, with a state and a checkpoint, keeps it so the
//! same command resumes) and returns [`crate::Error::Cancelled`]. Once a run has reached its
//! commit it finishes: that part is short and stopping there would leave more to settle.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

/// A flag shared between whoever may cancel the run and the run.
#[derive(Debug, Clone, Default)]
pub struct Cancel(Arc<AtomicBool>);

impl Cancel {
    /// The flag itself, for a signal handler to set (`signal_hook::flag::register`).
    pub fn flag(&self) -> Arc<AtomicBool> {
        Arc::clone(&self.0)
    }

    pub fn cancel(&self) {
        self.0.store(true, Ordering::SeqCst);
    }

    pub fn is_cancelled(&self) -> bool {
        self.0.load(Ordering::Relaxed)
    }
}
