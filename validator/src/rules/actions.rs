//! Custom action rules (101 § Custom Actions, § Dotted Names).
//!
//! An action that is both `stateless` and `modifies` is odd, but 101 does not
//! forbid it, so no rule reports it.

use std::collections::BTreeMap;

use serde_json::Value;

use super::syntax::{check_dotted, dotted_problem, DottedError};
use super::{is_builtin_action, ptr, quote, Bundle, Sink};
use cnab_model::SpecVersion;

pub(super) fn check(b: &Bundle<'_>, out: &mut Sink) {
    let Some(actions) = b.map("actions") else {
        return;
    };
    let mut titles: BTreeMap<&str, &str> = BTreeMap::new();
    for (name, action) in actions {
        let base = ptr(&["actions", name.as_str()]);
        if is_builtin_action(name) {
            out.push(
                "core.actions.builtin_not_declared",
                &base,
                format!("`{name}` is a built-in action and must not be declared in actions"),
            );
        } else {
            dotted_name(
                name,
                &base,
                "core.actions.name.dotted",
                "custom action name",
                out,
            );
        }
        let Some(Value::String(title)) = action.get("title") else {
            continue;
        };
        let tp = format!("{base}/title");
        if !b.at_least(SpecVersion::Core1_1_0) {
            out.push(
                "core.actions.title",
                &tp,
                format!(
                    "action `{name}` has a `title`, which actions only have from core 1.1.0 on"
                ),
            );
            continue;
        }
        match titles.get(title.as_str()) {
            Some(first) => out.push(
                "core.actions.title.disambiguate",
                &tp,
                format!("action `{name}` has the title {}, like action `{first}`; titles should tell actions apart", quote(title)),
            ),
            None => {
                titles.insert(title, name);
            }
        }
    }
}

/// Reports a name that is not a dotted name under the should-level
/// `use_clause`. 101 § Dotted Names defines the shape (components of letters
/// and `-`, at least one dot); a name that breaks the shape is simply not a
/// dotted name, so it breaks the SHOULD that asked for one, not a MUST.
pub(super) fn dotted_name(
    name: &str,
    pointer: &str,
    use_clause: &'static str,
    what: &str,
    out: &mut Sink,
) {
    match check_dotted(name) {
        Ok(()) => {}
        Err(DottedError::NoDot) => out.push(
            use_clause,
            pointer,
            format!(
                "{what} {} should be a dotted name such as `com.example.name`",
                quote(name)
            ),
        ),
        Err(e) => out.push(
            use_clause,
            pointer,
            format!(
                "{what} {} is not a well-formed dotted name: it {}",
                quote(name),
                dotted_problem(&e)
            ),
        ),
    }
}
