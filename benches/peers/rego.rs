//! The `regorus` peer: the BTS rules in Rego (`bts.rego` beside this file), evaluated by the
//! regorus crate. The engine parses and prepares the policy once; each decision sets the input
//! and evaluates `data.bts.decision`.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    dead_code,
    reason = "benchmark peer: the policy is a constant checked by the tests"
)]

/// A result whose error is regorus's message (no error crate among the dev-dependencies).
pub type Result<T> = std::result::Result<T, String>;

/// The policy, as text.
pub const POLICY: &str = include_str!("bts.rego");

/// A prepared regorus engine.
pub struct Rego {
    engine: regorus::Engine,
}

impl Rego {
    /// Parses the policy and prepares the engine (outside any timed loop).
    pub fn new() -> Rego {
        let mut engine = regorus::Engine::new();
        engine
            .add_policy("bts.rego".to_string(), POLICY.to_string())
            .expect("bts.rego parses");
        let mut rego = Rego { engine };
        // The first evaluation analyses and schedules the modules: do it now.
        rego.engine.set_input(regorus::Value::new_object());
        rego.engine
            .eval_rule("data.bts.decision".to_string())
            .expect("bts.rego evaluates");
        rego
    }

    /// One decision as regorus's value: the input's JSON bytes in.
    pub fn decide_value(&mut self, bytes: &[u8]) -> Result<regorus::Value> {
        let text = std::str::from_utf8(bytes).map_err(|e| e.to_string())?;
        let input = regorus::Value::from_json_str(text).map_err(|e| e.to_string())?;
        self.engine.set_input(input);
        self.engine
            .eval_rule("data.bts.decision".to_string())
            .map_err(|e| e.to_string())
    }

    /// One decision: the input's JSON bytes in, the decision's JSON bytes out.
    pub fn decide(&mut self, bytes: &[u8]) -> Result<Vec<u8>> {
        let value = self.decide_value(bytes)?;
        serde_json::to_vec(&value).map_err(|e| e.to_string())
    }
}
