//! Runtime adapters: how the suite asks a runtime to act.
//!
//! [`ProcessAdapter`] speaks the adapter protocol ([`protocol`]) with an
//! external executable (a timeout per call, the process group killed on
//! timeout, stdout capped; [`process`]). [`ReferenceAdapter`] runs the
//! [`reference`] runtime in process with the same protocol types. Anything
//! wrong with an adapter's reply is an [`AdapterError`], which the runner
//! turns into an `error` verdict.

pub mod external;
pub mod process;
pub mod protocol;
pub mod reference;

use serde::de::DeserializeOwned;
use serde_json::Value;

pub use external::ProcessAdapter;
pub use reference::{
    reference_info, reference_info_for, serve_reference, serve_reference_with, ReferenceAdapter,
};

use protocol::{
    ClaimsResponse, InfoResponse, InstallationRequest, RunRequest, RunResponse, PROTOCOL,
};

/// The most stdout read from an adapter.
pub const MAX_RESPONSE: usize = 16 << 20;

/// Why an adapter call gave no usable answer.
#[derive(Debug, Clone, thiserror::Error)]
pub enum AdapterError {
    /// The adapter could not be started.
    #[error("cannot start adapter: {0}")]
    Spawn(String),
    /// The adapter ran past the timeout and was killed.
    #[error("adapter `{verb}` timed out after {secs}s and was killed")]
    Timeout {
        /// The verb.
        verb: String,
        /// The timeout in seconds.
        secs: u64,
    },
    /// The run was stopped (SIGINT, SIGTERM, SIGHUP) while the adapter
    /// ran; it was killed with everything it started.
    #[error("adapter `{verb}` was stopped: the run was interrupted ({signal})")]
    Interrupted {
        /// The verb.
        verb: String,
        /// The signal's name.
        signal: String,
    },
    /// The adapter exited with a non-zero status or a signal.
    #[error("adapter `{verb}` crashed ({status})")]
    Crashed {
        /// The verb.
        verb: String,
        /// The status as text.
        status: String,
    },
    /// The reply is not the JSON the protocol asks for.
    #[error("adapter `{verb}` replied with garbage: {reason}")]
    Garbage {
        /// The verb.
        verb: String,
        /// What is wrong.
        reason: String,
    },
    /// The reply names another protocol version.
    #[error("adapter speaks protocol `{got}`, expected `{PROTOCOL}`")]
    Protocol {
        /// What the adapter sent.
        got: String,
    },
    /// The adapter reported an error of its own.
    #[error("adapter `{verb}` reported an error: {message}")]
    Reported {
        /// The verb.
        verb: String,
        /// Its message.
        message: String,
    },
    /// The reply was larger than the cap.
    #[error("adapter `{verb}` wrote more than {MAX_RESPONSE} bytes")]
    TooLarge {
        /// The verb.
        verb: String,
    },
}

/// A runtime, as the suite sees it.
pub trait Adapter {
    /// A human description (`reference (built in)`, a path).
    fn describe(&self) -> String;
    /// `info`: what the runtime is and can do.
    fn info(&mut self) -> Result<InfoResponse, AdapterError>;
    /// `run`: perform one action.
    fn run(&mut self, req: &RunRequest) -> Result<RunResponse, AdapterError>;
    /// `claims`: the stored claims and results of an installation.
    fn claims(&mut self, req: &InstallationRequest) -> Result<ClaimsResponse, AdapterError>;
    /// `cleanup`: forget an installation.
    fn cleanup(&mut self, req: &InstallationRequest) -> Result<(), AdapterError>;
    /// The stderr of the last call (evidence); none for an in-process
    /// runtime.
    fn last_stderr(&self) -> String {
        String::new()
    }
    /// A second, independent handle on the same runtime for running cases in
    /// parallel, or `None` when the adapter cannot be shared.
    fn fork(&self) -> Option<Box<dyn Adapter + Send>> {
        None
    }
}

/// [`Adapter::fork`] for an adapter whose clone is an independent handle
/// (its `Clone` carries no call history).
pub(crate) fn fork_by_clone<A>(adapter: &A) -> Option<Box<dyn Adapter + Send>>
where
    A: Adapter + Clone + Send + 'static,
{
    Some(Box::new(adapter.clone()))
}

/// Checks a parsed reply: protocol version, error payload, then shape.
pub fn decode<T: DeserializeOwned>(verb: &str, bytes: &[u8]) -> Result<T, AdapterError> {
    let garbage = |reason: String| AdapterError::Garbage {
        verb: verb.to_string(),
        reason,
    };
    let text = std::str::from_utf8(bytes).map_err(|_| garbage("reply is not UTF-8".into()))?;
    if text.trim().is_empty() {
        return Err(garbage("empty reply".into()));
    }
    let value: Value = serde_json::from_str(text).map_err(|e| {
        let excerpt: String = text.chars().take(120).collect();
        garbage(format!("not JSON ({e}): {excerpt:?}"))
    })?;
    let Some(obj) = value.as_object() else {
        return Err(garbage("reply is not a JSON object".into()));
    };
    match obj.get("protocol").and_then(Value::as_str) {
        Some(p) if p == PROTOCOL => {}
        Some(p) => return Err(AdapterError::Protocol { got: p.to_string() }),
        None => return Err(garbage("reply has no `protocol` field".into())),
    }
    if let Some(e) = obj.get("error") {
        let message = e
            .as_str()
            .map(str::to_string)
            .unwrap_or_else(|| e.to_string());
        return Err(AdapterError::Reported {
            verb: verb.to_string(),
            message,
        });
    }
    serde_json::from_value(value)
        .map_err(|e| garbage(format!("reply does not match `{verb}`: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use protocol::CleanupResponse;

    #[test]
    fn decode_classifies_replies() {
        assert!(matches!(
            decode::<CleanupResponse>("cleanup", b""),
            Err(AdapterError::Garbage { .. })
        ));
        assert!(matches!(
            decode::<CleanupResponse>("cleanup", b"[1]"),
            Err(AdapterError::Garbage { .. })
        ));
        assert!(matches!(
            decode::<CleanupResponse>("cleanup", b"{}"),
            Err(AdapterError::Garbage { .. })
        ));
        assert!(matches!(
            decode::<CleanupResponse>("cleanup", br#"{"protocol":"x/2"}"#),
            Err(AdapterError::Protocol { .. })
        ));
        assert!(decode::<CleanupResponse>(
            "cleanup",
            br#"{"protocol":"cnab-conformance-adapter/1","extra":1}"#
        )
        .is_ok());
    }
}
