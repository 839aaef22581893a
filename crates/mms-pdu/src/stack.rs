//! Peel the upper OSI layers from one COTP TSDU: session SPDU(s) → presentation PPDU →
//! ACSE APDU and/or the encoded MMS PDU, telling which layers were present.
//!
//! The presentation PPDU kind follows from the SPDU (see [`Ppdu::decode_for`]); inside the
//! PPDU's user data an `[APPLICATION n]` value is an ACSE APDU (whose user information
//! carries the MMS PDU) and a context-specific value is an MMS PDU itself. Offsets in errors
//! are relative to the layer's own octets (the TSDU for session, the session user data for
//! presentation, the PDV value for ACSE).

use core::fmt;

use telecontrol_core::Decode;

use crate::acse::{AcseError, Apdu};
use crate::ber::{BerReader, Class};
use crate::presentation::{Ppdu, PresentationError};
use crate::session::{SessionError, Spdu};

/// The layers found in one TSDU.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Peeled<'a> {
    /// The session SPDU (GT+DT counts as one).
    pub spdu: Spdu<'a>,
    /// The presentation PPDU, if the SPDU had user data.
    pub ppdu: Option<Ppdu<'a>>,
    /// The ACSE APDU, if the presentation user data held one.
    pub acse: Option<Apdu<'a>>,
    /// The presentation context of the MMS PDU: the PDV's identifier, or the EXTERNAL's
    /// indirect reference inside ACSE.
    pub context_id: Option<i64>,
    /// The encoded MMS PDU (one whole TLV), if any.
    pub mms: Option<&'a [u8]>,
}

/// The layer that failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum StackError {
    /// The session SPDU.
    Session(SessionError),
    /// The presentation PPDU.
    Presentation(PresentationError),
    /// The ACSE APDU.
    Acse(AcseError),
}

impl fmt::Display for StackError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StackError::Session(e) => write!(f, "session: {e}"),
            StackError::Presentation(e) => write!(f, "presentation: {e}"),
            StackError::Acse(e) => write!(f, "ACSE: {e}"),
        }
    }
}

impl core::error::Error for StackError {}

impl From<SessionError> for StackError {
    fn from(e: SessionError) -> Self {
        StackError::Session(e)
    }
}

impl From<PresentationError> for StackError {
    fn from(e: PresentationError) -> Self {
        StackError::Presentation(e)
    }
}

impl From<AcseError> for StackError {
    fn from(e: AcseError) -> Self {
        StackError::Acse(e)
    }
}

/// Decode session, presentation and ACSE from one reassembled TSDU.
///
/// # Errors
/// [`StackError`] naming the layer that failed.
pub fn peel(tsdu: &[u8]) -> Result<Peeled<'_>, StackError> {
    let spdu = Spdu::decode(tsdu)?;
    let mut out = Peeled {
        spdu,
        ppdu: None,
        acse: None,
        context_id: None,
        mms: None,
    };
    let Some(user_data) = spdu.user_data() else {
        return Ok(out);
    };
    let ppdu = Ppdu::decode_for(spdu.si(), user_data)?;
    out.ppdu = Some(ppdu);
    let Some((ctx, value)) = ppdu.user_data().and_then(|u| u.single_value()) else {
        return Ok(out);
    };
    let mut r = BerReader::new(value);
    let tlv = r
        .read_tlv()
        .map_err(|e| StackError::Presentation(PresentationError::Ber(e)))?;
    r.finish()
        .map_err(|e| StackError::Presentation(PresentationError::Ber(e)))?;
    if tlv.tag.class == Class::Application {
        let apdu = Apdu::from_tlv(&tlv)?;
        out.acse = Some(apdu);
        if let Some(ext) = apdu.user_information() {
            out.context_id = ext.indirect_reference;
            out.mms = ext.single_value();
        }
    } else {
        out.context_id = Some(ctx);
        out.mms = Some(value);
    }
    Ok(out)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::session::DataTransfer;

    #[test]
    fn data_and_errors() {
        // GT + DT + fully-encoded data { PDV { 3, [0] { MMS PDU a0 00 } } }.
        let tsdu = [
            0x01, 0x00, 0x01, 0x00, 0x61, 0x09, 0x30, 0x07, 0x02, 0x01, 0x03, 0xa0, 0x02, 0xa0,
            0x00,
        ];
        let p = peel(&tsdu).unwrap();
        assert!(matches!(p.spdu, Spdu::Data(DataTransfer { .. })));
        assert!(p.ppdu.is_some() && p.acse.is_none());
        assert_eq!((p.context_id, p.mms), (Some(3), Some(&[0xa0, 0x00][..])));
        assert!(matches!(peel(&[0x01]), Err(StackError::Session(_))));
        assert!(matches!(
            peel(&[0x01, 0x00, 0x01, 0x00, 0x61]),
            Err(StackError::Presentation(_))
        ));
        let abort_accept = peel(&[0x1a, 0x00]).unwrap();
        assert_eq!(abort_accept.ppdu, None);
    }
}
