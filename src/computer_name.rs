//! The Entra Connect server's name, as IdLE's next contract passes it (`ComputerName`).
//!
//! The same rule holds wherever a name enters: the step's `With.ComputerName` and the
//! provider's `ComputerName` argument. A name is text a transport can resolve: not blank, at
//! most [`MAX_COMPUTER_NAME_CHARS`] characters, and without spaces, line breaks, NUL or other
//! control characters (which no host name has, and which would make messages and logs lie).

use crate::adsync::text::one_line;
use crate::failure::{Failure, FailureClass};

/// Longest accepted name: a DNS name has at most 253 characters.
pub const MAX_COMPUTER_NAME_CHARS: usize = 255;

/// Longest part of a rejected name echoed back in the error message.
const MAX_ECHOED_CHARS: usize = 40;

/// Checks a computer name and returns it without surrounding whitespace. `name` is the key the
/// user sees in the error (`ComputerName`, `With.ComputerName`).
pub fn check_computer_name(name: &str, text: &str) -> Result<String, Failure> {
    let trimmed = text.trim();
    if trimmed.is_empty() {
        return Err(invalid(format!(
            "{name} must be the Entra Connect server's host name, but it is empty."
        )));
    }
    let count = trimmed.chars().count();
    if count > MAX_COMPUTER_NAME_CHARS {
        return Err(invalid(format!(
            "{name} must be at most {MAX_COMPUTER_NAME_CHARS} characters, but it has {count}."
        )));
    }
    if trimmed.chars().any(|c| c.is_control() || c.is_whitespace()) {
        return Err(invalid(format!(
            "{name} must be a host name without spaces, line breaks or control characters, but \
             it is '{}'.",
            one_line(trimmed, MAX_ECHOED_CHARS)
        )));
    }
    Ok(trimmed.to_owned())
}

fn invalid(message: String) -> Failure {
    Failure::new(FailureClass::InvalidInput, message)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_host_names_and_addresses_trimmed() {
        for (given, kept) in [
            ("sync01.contoso.com", "sync01.contoso.com"),
            ("  SYNC01 ", "SYNC01"),
            ("127.0.0.1", "127.0.0.1"),
            ("::1", "::1"),
        ] {
            assert_eq!(check_computer_name("ComputerName", given).unwrap(), kept);
        }
        let longest = "a".repeat(MAX_COMPUTER_NAME_CHARS);
        assert_eq!(
            check_computer_name("ComputerName", &longest).unwrap(),
            longest
        );
    }

    #[test]
    fn rejects_blank_long_and_control_characters_naming_the_key() {
        let too_long = "a".repeat(MAX_COMPUTER_NAME_CHARS + 1);
        for bad in [
            "",
            "   ",
            "\t\n",
            too_long.as_str(),
            "sync01\ncontoso",
            "sync\u{0}01",
            "sync 01",
            "sync01\rx",
        ] {
            let f = check_computer_name("With.ComputerName", bad).expect_err(&format!("{bad:?}"));
            assert_eq!(f.class, FailureClass::InvalidInput);
            assert!(f.message.contains("With.ComputerName"), "{}", f.message);
            assert!(!f.message.contains('\n') && !f.message.contains('\0'));
            assert!(f.message.chars().count() < 200, "{}", f.message);
        }
    }
}
