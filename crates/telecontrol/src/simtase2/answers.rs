//! How the server's devices answer (for testing a client): `positive` (the standard's
//! device control: select before operate, timeouts, tags), `negative` (every select and
//! operate refused with a `DataAccessError` in the Read / Write response, by default
//! `hardware-fault`) or `none` (no MMS response at all: the client's request timeout
//! fires). Per device in the TOML file (`answer`, `refusal` of a `[[device]]`), with a
//! default for the others from `tase2 server --answer/--refusal`.
//!
//! IEC 60870-6-503 (8.6, device control) carries a select as a Read of `<dev>_SBO` and an
//! operate as a Write of `<dev>`; a refused one is the failure of that Read or Write, a
//! `DataAccessError` (ISO 9506-2 14.4.3). The standard names no code for a device that
//! refuses to execute, so the code is a choice of the test.

use anyhow::{Context, bail};
use mms_pdu::association::FailReason;
use mms_pdu::mms::DataAccessError;
use tase2_transfer_sets::client::ClientError;
use tase2_transfer_sets::station::{DeviceAnswer, Tase2Station};
use telecontrol_tokio::mms::MmsError;
use telecontrol_tokio::tase2::Tase2ClientError;

use super::config::{ServerFile, domain};

/// `tase2 server --help` examples.
pub const SERVER_EXAMPLES: &str = "\
Examples:
  telecontrol tase2 server --bind 127.0.0.1:10102
  telecontrol tase2 server --bind 127.0.0.1:10102 --config docs/examples/tase2-server.toml --json
  telecontrol tase2 server --answer negative --refusal temporarily-unavailable
  telecontrol tase2 server --answer none          # no MMS response to any select/operate

Devices answer selects and operates positive (as the standard says), negative (a
DataAccessError in the Read/Write response) or none; per device with `answer` and `refusal`
in the TOML file, the others with --answer/--refusal.";

/// `tase2 client --help` examples.
pub const CLIENT_EXAMPLES: &str = "\
Examples:
  telecontrol tase2 client 127.0.0.1:10102 --rbe --integrity 10 --duration 20
  telecontrol tase2 client 127.0.0.1:10102 --operate BRK_1 1 --message hello --json
  telecontrol tase2 client 127.0.0.1:10102 --point V_MW=RealQ --operate SP_SILENT 2.5 --request-timeout 2

On a terminal the reported points are a live table (name, value, quality, time stamp)
with the device control steps as the status line; piped, text lines; --json, JSON lines.

Exit status: 0 if every step worked and reports came; 1 otherwise, with the reason
(`operate ICC1/BRK_1: refused by the server: hardware-fault`, `... timeout: no answer
within 2 s`).";

/// The `DataAccessError`s by their ISO 9506-2 names.
const ERRORS: [(&str, DataAccessError); 12] = [
    ("object-invalidated", DataAccessError::ObjectInvalidated),
    ("hardware-fault", DataAccessError::HardwareFault),
    (
        "temporarily-unavailable",
        DataAccessError::TemporarilyUnavailable,
    ),
    ("object-access-denied", DataAccessError::ObjectAccessDenied),
    ("object-undefined", DataAccessError::ObjectUndefined),
    ("invalid-address", DataAccessError::InvalidAddress),
    ("type-unsupported", DataAccessError::TypeUnsupported),
    ("type-inconsistent", DataAccessError::TypeInconsistent),
    (
        "object-attribute-inconsistent",
        DataAccessError::ObjectAttributeInconsistent,
    ),
    (
        "object-access-unsupported",
        DataAccessError::ObjectAccessUnsupported,
    ),
    ("object-non-existent", DataAccessError::ObjectNonExistent),
    ("object-value-invalid", DataAccessError::ObjectValueInvalid),
];

/// A `DataAccessError` by its ISO 9506-2 name (`hardware-fault`, ...).
///
/// # Errors
/// An unknown name.
pub fn parse_refusal(s: &str) -> Result<DataAccessError, String> {
    ERRORS
        .iter()
        .find(|(n, _)| *n == s)
        .map(|(_, e)| *e)
        .ok_or_else(|| {
            let names: Vec<&str> = ERRORS.iter().map(|(n, _)| *n).collect();
            format!("{s:?} is not a DataAccessError ({})", names.join(", "))
        })
}

/// The ISO 9506-2 name of a `DataAccessError`.
#[must_use]
pub fn refusal_name(e: DataAccessError) -> String {
    ERRORS
        .iter()
        .find(|(_, x)| *x == e)
        .map_or_else(|| format!("{e:?}"), |(n, _)| (*n).to_owned())
}

/// `positive`, `negative` (refused with `refusal`) or `none`.
///
/// # Errors
/// An unknown word.
pub fn parse_answer(s: &str, refusal: DataAccessError) -> Result<DeviceAnswer, String> {
    match s {
        "positive" => Ok(DeviceAnswer::Positive),
        "negative" => Ok(DeviceAnswer::Negative(refusal)),
        "none" => Ok(DeviceAnswer::None),
        _ => Err(format!("{s:?} is not positive, negative or none")),
    }
}

/// Set every device of `file` in `station` to answer as its entry says, or as `default`.
///
/// # Errors
/// A bad `answer` or `refusal` in the file (naming the device).
pub fn apply(
    file: &ServerFile,
    station: &Tase2Station,
    default: DeviceAnswer,
) -> anyhow::Result<()> {
    for d in &file.device {
        let refusal = match &d.refusal {
            Some(r) => parse_refusal(r)
                .map_err(anyhow::Error::msg)
                .with_context(|| format!("device {}: refusal", d.name))?,
            None => match default {
                DeviceAnswer::Negative(e) => e,
                _ => DataAccessError::HardwareFault,
            },
        };
        let answer = match &d.answer {
            Some(a) => parse_answer(a, refusal)
                .map_err(anyhow::Error::msg)
                .with_context(|| format!("device {}: answer", d.name))?,
            None if d.refusal.is_some() => DeviceAnswer::Negative(refusal),
            None => default,
        };
        let Some(id) = station.device(&domain(&d.domain), &d.name) else {
            bail!("device {}: not in the station", d.name);
        };
        station
            .set_device_answer(id, answer)
            .with_context(|| format!("device {}", d.name))?;
    }
    Ok(())
}

/// Why a client call failed, for a person: a refusal names its `DataAccessError`, a
/// request without an answer the request timeout.
#[must_use]
pub fn failure_text(e: &Tase2ClientError, request_timeout: f64) -> String {
    match e {
        Tase2ClientError::Client(ClientError::Access { error, .. }) => {
            format!("refused by the server: {}", refusal_name(*error))
        }
        Tase2ClientError::Mms(MmsError::Failed(FailReason::Timeout)) => {
            format!("timeout: no answer within {request_timeout} s")
        }
        other => other.to_string(),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for (n, e) in ERRORS {
            assert_eq!(parse_refusal(n), Ok(e));
            assert_eq!(refusal_name(e), n);
        }
        assert!(parse_refusal("hardware_fault").is_err());
        assert_eq!(
            parse_answer("negative", DataAccessError::ObjectValueInvalid),
            Ok(DeviceAnswer::Negative(DataAccessError::ObjectValueInvalid))
        );
        assert_eq!(
            parse_answer("none", DataAccessError::HardwareFault),
            Ok(DeviceAnswer::None)
        );
        assert!(parse_answer("maybe", DataAccessError::HardwareFault).is_err());
    }
}
