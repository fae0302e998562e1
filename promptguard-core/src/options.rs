//! What a caller tells the engine about a text: which way it travels and who wrote it.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::error::Error;

/// Whether a text goes to the model (a prompt) or comes from it (a response).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    /// A prompt on its way to the model.
    #[default]
    Input,
    /// A model's response on its way to the user.
    Output,
}

/// Who wrote a text. System prompts are trusted context; tool results are the usual carrier
/// of indirect injection.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// The application's own instructions.
    System,
    /// The end user.
    #[default]
    User,
    /// The model.
    Assistant,
    /// A tool result, retrieved document, email or web page.
    Tool,
}

impl Direction {
    /// `input` or `output`.
    pub fn as_str(self) -> &'static str {
        match self {
            Direction::Input => "input",
            Direction::Output => "output",
        }
    }
    pub(crate) fn bit(self) -> u8 {
        match self {
            Direction::Input => 1,
            Direction::Output => 2,
        }
    }
}

impl Role {
    /// `system`, `user`, `assistant` or `tool`.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::System => "system",
            Role::User => "user",
            Role::Assistant => "assistant",
            Role::Tool => "tool",
        }
    }
    pub(crate) fn bit(self) -> u8 {
        match self {
            Role::System => 1,
            Role::User => 2,
            Role::Assistant => 4,
            Role::Tool => 8,
        }
    }
}

impl FromStr for Direction {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self, Error> {
        match s.trim().to_ascii_lowercase().as_str() {
            "input" | "request" | "prompt" => Ok(Direction::Input),
            "output" | "response" => Ok(Direction::Output),
            _ => Err(Error::config(format!(
                "unknown direction `{s}`; expected input or output"
            ))),
        }
    }
}

impl FromStr for Role {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self, Error> {
        match s.trim().to_ascii_lowercase().as_str() {
            "system" | "developer" => Ok(Role::System),
            "user" | "human" => Ok(Role::User),
            "assistant" | "model" | "ai" => Ok(Role::Assistant),
            "tool" | "function" | "document" | "retrieved" => Ok(Role::Tool),
            _ => Err(Error::config(format!(
                "unknown role `{s}`; expected system, user, assistant or tool"
            ))),
        }
    }
}

impl fmt::Display for Direction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Options of one scan (see [`crate::Engine::scan_with`]).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ScanOptions {
    /// Input (default) or output.
    pub direction: Direction,
    /// Who wrote the text; defaults to `user` for inputs and `assistant` for outputs.
    pub role: Option<Role>,
    /// Event id to use instead of a fresh UUID v7 (e.g. the gateway's request id).
    pub event_id: Option<String>,
    /// Canary tokens planted in the system prompt: any of them in an output is a leak.
    pub canaries: Vec<String>,
    /// The conversation's system prompt: long verbatim runs of it in an output are a leak.
    pub system_prompt: Option<String>,
}

impl ScanOptions {
    /// Options for a prompt (input, user).
    pub fn input() -> ScanOptions {
        ScanOptions::default()
    }

    /// Options for a model response (output, assistant).
    pub fn output() -> ScanOptions {
        ScanOptions {
            direction: Direction::Output,
            ..ScanOptions::default()
        }
    }

    /// Sets the role.
    pub fn with_role(mut self, role: Role) -> ScanOptions {
        self.role = Some(role);
        self
    }

    /// The role in force.
    pub fn effective_role(&self) -> Role {
        self.role.unwrap_or(match self.direction {
            Direction::Input => Role::User,
            Direction::Output => Role::Assistant,
        })
    }
}

/// One turn of a conversation (see [`crate::Engine::scan_messages`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Message {
    /// Who wrote it.
    pub role: Role,
    /// What it says.
    pub content: String,
}

impl Message {
    /// A message from `role`.
    pub fn new(role: Role, content: impl Into<String>) -> Message {
        Message {
            role,
            content: content.into(),
        }
    }
}
