//! Hex text in, octets out; octets in, hex text out.

use std::fmt;

/// Why a hex argument could not be read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum HexError {
    /// A character that is neither a hex digit nor an allowed separator.
    BadChar {
        /// Character offset in the argument.
        offset: usize,
        /// The character found.
        value: char,
    },
    /// An odd number of hex digits: the last octet has one digit only.
    OddDigits {
        /// Character offset of the lone digit.
        offset: usize,
    },
}

impl fmt::Display for HexError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            HexError::BadChar { offset, value } => {
                write!(
                    f,
                    "character {value:?} at offset {offset} is not a hex digit"
                )
            }
            HexError::OddDigits { offset } => {
                write!(f, "lone hex digit at offset {offset}: odd number of digits")
            }
        }
    }
}

impl std::error::Error for HexError {}

/// Parse hex octets. Whitespace, `:`, `-` and `,` separate octets and are ignored, as is a
/// `0x` prefix before an octet or at the start; two digits make an octet.
///
/// # Errors
/// [`HexError`] on a character that is not a digit or separator, or an odd digit count.
pub fn parse(text: &str) -> Result<Vec<u8>, HexError> {
    let mut out = Vec::with_capacity(text.len() / 2);
    let mut high: Option<(usize, u8)> = None;
    let mut chars = text.char_indices().peekable();
    while let Some((offset, c)) = chars.next() {
        if c.is_whitespace() || matches!(c, ':' | '-' | ',') {
            if let Some((at, _)) = high {
                return Err(HexError::OddDigits { offset: at });
            }
            continue;
        }
        // "0x" prefix: only where an octet starts.
        if c == '0' && high.is_none() && matches!(chars.peek(), Some((_, 'x' | 'X'))) {
            chars.next();
            continue;
        }
        let Some(digit) = c.to_digit(16).and_then(|d| u8::try_from(d).ok()) else {
            return Err(HexError::BadChar { offset, value: c });
        };
        match high.take() {
            None => high = Some((offset, digit)),
            Some((_, h)) => out.push(h << 4 | digit),
        }
    }
    match high {
        Some((offset, _)) => Err(HexError::OddDigits { offset }),
        None => Ok(out),
    }
}

/// Octets as lower-case hex, space separated.
#[must_use]
pub fn format(bytes: &[u8]) -> String {
    let mut s = String::with_capacity(bytes.len() * 3);
    for (i, b) in bytes.iter().enumerate() {
        if i > 0 {
            s.push(' ');
        }
        s.push_str(&format!("{b:02x}"));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn separators_and_prefixes() {
        assert_eq!(parse("68 04 07:00-00,00").unwrap(), [0x68, 4, 7, 0, 0, 0]);
        assert_eq!(parse("0x680x04").unwrap(), [0x68, 4]);
        assert_eq!(parse("6804").unwrap(), [0x68, 4]);
        assert_eq!(parse("").unwrap(), [] as [u8; 0]);
        assert_eq!(format(&[0x68, 0x04]), "68 04");
    }

    #[test]
    fn errors_carry_offsets() {
        assert_eq!(
            parse("68 0g"),
            Err(HexError::BadChar {
                offset: 4,
                value: 'g'
            })
        );
        assert_eq!(parse("68 0 04"), Err(HexError::OddDigits { offset: 3 }));
        assert_eq!(parse("680"), Err(HexError::OddDigits { offset: 2 }));
    }
}
