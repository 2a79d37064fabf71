//! Parameters and credentials: what the user supplies, checked against the
//! bundle and put into the operation (103 § Setting Parameter Values, 101
//! § Credentials).

use serde_json::{Map, Value};

use super::{stop, ActionKind, Injection, Installation, Phase, Reference};
use crate::adapter::reference::mutant::Mutant;
use crate::adapter::reference::support::{applies, object, rooted, validate_value, value_text};

impl Reference {
    /// Parameters (103 § Setting Parameter Values).
    pub(super) fn apply_parameters(
        &self,
        bundle: &Value,
        inv: &super::Invocation<'_>,
        injection: &mut Injection,
    ) -> Phase<()> {
        let definitions = object(bundle, "definitions");
        let parameters = object(bundle, "parameters");
        for name in inv.parameters.keys() {
            if !parameters.contains_key(name) {
                return stop(format!("parameter `{name}` is not declared in the bundle"));
            }
        }
        for (name, p) in &parameters {
            if !applies(p, inv.action) && !self.is(Mutant::IgnoreParameterApplyTo) {
                continue;
            }
            let value = self.parameter_value(name, p, &definitions, inv.parameters.get(name))?;
            let text = self.parameter_text(value.as_ref());
            if let Some(v) = &value {
                injection.resolved.insert(name.clone(), v.clone());
            }
            injection
                .op_parameters
                .insert(name.clone(), value.unwrap_or(Value::String(text.clone())));
            self.inject_parameter(name, p, text, injection)?;
        }
        Ok(())
    }

    /// The value of one parameter: the supplied one (validated), or the
    /// default; `None` for an optional parameter without either.
    fn parameter_value(
        &self,
        name: &str,
        p: &Value,
        definitions: &Map<String, Value>,
        supplied: Option<&Value>,
    ) -> Phase<Option<Value>> {
        let def_name = p.get("definition").and_then(Value::as_str).unwrap_or("");
        let Some(def) = definitions.get(def_name) else {
            return stop(format!(
                "parameter `{name}` names definition `{def_name}`, which does not exist"
            ));
        };
        let required = p.get("required").and_then(Value::as_bool).unwrap_or(false);
        let default = if self.is(Mutant::DropDefaults) {
            None
        } else {
            def.get("default").cloned()
        };
        match supplied {
            Some(v) => {
                if !self.is(Mutant::NoParameterValidation) {
                    if let Err((keywords, detail)) = validate_value(def, v) {
                        // Values can be secrets (`writeOnly`): name the
                        // failing keywords, never the value.
                        return stop(if self.is(Mutant::LeakValuesInMessages) {
                            format!("parameter `{name}`: value {v} does not match definition `{def_name}`: {detail}")
                        } else {
                            format!("parameter `{name}` does not match definition `{def_name}` (fails {keywords})")
                        });
                    }
                }
                Ok(Some(v.clone()))
            }
            None => {
                let missing = default.is_none() || self.is(Mutant::RejectRequiredWithDefault);
                if required && missing && !self.is(Mutant::SkipRequiredCheck) {
                    return stop(format!("parameter `{name}` is required and has no value"));
                }
                Ok(default)
            }
        }
    }

    /// The text injected for a value.
    fn parameter_text(&self, value: Option<&Value>) -> String {
        match value {
            Some(Value::String(s)) if self.is(Mutant::QuoteStringParameters) => {
                Value::String(s.clone()).to_string()
            }
            Some(Value::Bool(b)) if self.is(Mutant::NonJsonValues) => {
                if *b { "True" } else { "False" }.to_string()
            }
            Some(v @ (Value::Object(_) | Value::Array(_))) if self.is(Mutant::NonJsonValues) => {
                serde_json::to_string_pretty(v).expect("a value serializes")
            }
            Some(v) => value_text(v),
            None if self.is(Mutant::NullForMissingOptional) => "null".to_string(),
            None => String::new(),
        }
    }

    /// Puts one parameter's text where its destination says.
    fn inject_parameter(
        &self,
        name: &str,
        p: &Value,
        text: String,
        injection: &mut Injection,
    ) -> Phase<()> {
        let dest = p.get("destination").cloned().unwrap_or(Value::Null);
        let env = dest.get("env").and_then(Value::as_str);
        let path = dest.get("path").and_then(Value::as_str);
        if let Some(env) = env {
            if env.starts_with("CNAB_") {
                if !self.is(Mutant::ParameterOverridesCnab) {
                    return stop(format!(
                        "parameter `{name}` may not set the reserved variable `{env}`"
                    ));
                }
                injection.late_env.push((env.to_string(), text.clone()));
            }
            injection.environment.insert(env.to_string(), text.clone());
            injection
                .param_envs
                .insert(env.to_string(), name.to_string());
        }
        if let Some(path) = path {
            if !(env.is_some() && self.is(Mutant::EnvOnlyWhenBoth)) {
                injection.files.insert(rooted(path), text);
            }
        }
        Ok(())
    }

    /// Credentials (101 § Credentials); stateless actions need none.
    pub(super) fn apply_credentials(
        &self,
        bundle: &Value,
        action: &str,
        kind: &ActionKind,
        installation: &Installation,
        injection: &mut Injection,
    ) -> Phase<()> {
        for (name, c) in &object(bundle, "credentials") {
            if !applies(c, action) {
                continue;
            }
            let required = c.get("required").and_then(Value::as_bool).unwrap_or(false);
            let Some(value) = installation.credentials.get(name) else {
                if required && (!kind.stateless || self.is(Mutant::RequireCredentialsForStateless))
                {
                    return stop(format!(
                        "credential `{name}` is required and was not supplied"
                    ));
                }
                continue;
            };
            if let Some(env) = c.get("env").and_then(Value::as_str) {
                self.inject_credential_env(name, env, value, injection)?;
            }
            if let Some(path) = c.get("path").and_then(Value::as_str) {
                let path = rooted(path);
                if injection.files.contains_key(&path) {
                    return stop(format!(
                        "credential `{name}` and a parameter both use the path `{path}`"
                    ));
                }
                if !self.is(Mutant::SkipCredentialPath) {
                    injection.files.insert(path, value.clone());
                }
            }
        }
        Ok(())
    }

    fn inject_credential_env(
        &self,
        name: &str,
        env: &str,
        value: &str,
        injection: &mut Injection,
    ) -> Phase<()> {
        if env.starts_with("CNAB_") {
            return stop(format!(
                "credential `{name}` may not set the reserved variable `{env}`"
            ));
        }
        if let Some(p) = injection.param_envs.get(env) {
            if !self.is(Mutant::ParameterBeatsCredential) {
                return stop(format!(
                    "credential `{name}` and parameter `{p}` both use the variable `{env}`"
                ));
            }
            if let Some(v) = injection.environment.get(env) {
                injection.late_env.push((env.to_string(), v.clone()));
            }
        }
        if !self.is(Mutant::SkipCredentialEnv) {
            injection
                .environment
                .insert(env.to_string(), value.to_string());
        }
        Ok(())
    }
}
