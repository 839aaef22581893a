//! SPDU encoding: parameters are emitted once into a counter (for the LIs) and once into the
//! writer, so lengths and bytes cannot disagree.

use telecontrol_core::{Encode, EncodeError, Writer};

use super::{
    ConnectAccept, ConnectDataOverflow, DataTransfer, MAX_EXTENDED_USER_DATA, OverflowAccept,
    PGI_CONNECT_ACCEPT, PGI_CONNECTION_ID, PGI_EXTENDED_USER_DATA, PGI_USER_DATA,
    PI_CALLED_SELECTOR, PI_CALLING_SELECTOR, PI_DATA_OVERFLOW, PI_ENCLOSURE, PI_PROTOCOL_OPTIONS,
    PI_REASON_CODE, PI_REFLECT, PI_SESSION_REQUIREMENTS, PI_TOKEN_ITEM, PI_TRANSPORT_DISCONNECT,
    PI_TSDU_MAX_SIZE, PI_VERSION_NUMBER, Refuse, Release, SI_DT, Spdu,
};

/// Where emitted octets go: a length counter or a writer.
enum Sink<'s, 'w> {
    Count(usize),
    Write(&'s mut Writer<'w>),
}

impl Sink<'_, '_> {
    fn bytes(&mut self, b: &[u8]) -> Result<(), EncodeError> {
        match self {
            Sink::Count(n) => *n = n.saturating_add(b.len()),
            Sink::Write(w) => w.write_bytes(b)?,
        }
        Ok(())
    }

    /// LI: one octet up to 254, else 0xFF and two octets (X.225 8.2.5).
    fn li(&mut self, len: usize) -> Result<(), EncodeError> {
        match u8::try_from(len) {
            Ok(n) if n < 0xFF => self.bytes(&[n]),
            _ => {
                let n = u16::try_from(len).map_err(|_| EncodeError::InvalidValue {
                    field: "session LI (at most 65535)",
                })?;
                self.bytes(&[0xFF])?;
                self.bytes(&n.to_be_bytes())
            }
        }
    }

    fn param(&mut self, code: u8, value: Option<&[u8]>) -> Result<(), EncodeError> {
        if let Some(v) = value {
            self.bytes(&[code])?;
            self.li(v.len())?;
            self.bytes(v)?;
        }
        Ok(())
    }

    fn param_u8(&mut self, code: u8, value: Option<u8>) -> Result<(), EncodeError> {
        self.param(code, value.as_ref().map(core::slice::from_ref))
    }

    fn param_u16(&mut self, code: u8, value: Option<u16>) -> Result<(), EncodeError> {
        self.param(code, value.map(u16::to_be_bytes).as_ref().map(|b| &b[..]))
    }

    fn param_u32(&mut self, code: u8, value: Option<u32>) -> Result<(), EncodeError> {
        self.param(code, value.map(u32::to_be_bytes).as_ref().map(|b| &b[..]))
    }
}

fn counted(f: impl Fn(&mut Sink<'_, '_>) -> Result<(), EncodeError>) -> Result<usize, EncodeError> {
    let mut c = Sink::Count(0);
    f(&mut c)?;
    Ok(match c {
        Sink::Count(n) => n,
        Sink::Write(_) => 0,
    })
}

fn connect_item(c: &ConnectAccept<'_>, s: &mut Sink<'_, '_>) -> Result<(), EncodeError> {
    s.param_u8(PI_PROTOCOL_OPTIONS, c.protocol_options)?;
    s.param_u32(PI_TSDU_MAX_SIZE, c.tsdu_max_size)?;
    s.param_u8(PI_VERSION_NUMBER, c.version_number)
}

/// X.225 8.3.15: TSDU maximum size, version number.
fn overflow_accept_params(o: &OverflowAccept, s: &mut Sink<'_, '_>) -> Result<(), EncodeError> {
    s.param_u32(PI_TSDU_MAX_SIZE, o.tsdu_max_size)?;
    s.param_u8(PI_VERSION_NUMBER, o.version_number)
}

/// X.225 8.3.16: enclosure item, user data.
fn cdo_params(c: &ConnectDataOverflow<'_>, s: &mut Sink<'_, '_>) -> Result<(), EncodeError> {
    s.param_u8(PI_ENCLOSURE, c.enclosure)?;
    s.param(PGI_USER_DATA, c.user_data)
}

/// Parameters in the order of X.225 8.3.1 / 8.3.2.
fn connect_params(c: &ConnectAccept<'_>, s: &mut Sink<'_, '_>) -> Result<(), EncodeError> {
    s.param(PGI_CONNECTION_ID, c.connection_identifier)?;
    let item = counted(|s| connect_item(c, s))?;
    if item > 0 {
        s.bytes(&[PGI_CONNECT_ACCEPT])?;
        s.li(item)?;
        connect_item(c, s)?;
    }
    s.param_u8(PI_TOKEN_ITEM, c.token_item)?;
    s.param_u16(PI_SESSION_REQUIREMENTS, c.session_requirements)?;
    s.param(PI_CALLING_SELECTOR, c.calling_selector)?;
    s.param(PI_CALLED_SELECTOR, c.called_selector)?;
    s.param_u8(PI_DATA_OVERFLOW, c.data_overflow)?;
    s.param(PGI_USER_DATA, c.user_data)?;
    s.param(PGI_EXTENDED_USER_DATA, c.extended_user_data)
}

fn refuse_params(r: &Refuse<'_>, s: &mut Sink<'_, '_>) -> Result<(), EncodeError> {
    s.param(PGI_CONNECTION_ID, r.connection_identifier)?;
    s.param_u8(PI_TRANSPORT_DISCONNECT, r.transport_disconnect)?;
    s.param_u16(PI_SESSION_REQUIREMENTS, r.session_requirements)?;
    s.param_u8(PI_VERSION_NUMBER, r.version_number)?;
    s.param(PI_REASON_CODE, r.reason)
}

fn release_params(r: &Release<'_>, s: &mut Sink<'_, '_>) -> Result<(), EncodeError> {
    s.param_u8(PI_TRANSPORT_DISCONNECT, r.transport_disconnect)?;
    s.param(PI_REFLECT, r.reflect)?;
    s.param(PGI_USER_DATA, r.user_data)
}

fn params(spdu: &Spdu<'_>, s: &mut Sink<'_, '_>) -> Result<(), EncodeError> {
    match spdu {
        Spdu::Connect(c) | Spdu::Accept(c) => connect_params(c, s),
        Spdu::Refuse(r) => refuse_params(r, s),
        Spdu::Finish(r) | Spdu::Disconnect(r) | Spdu::NotFinished(r) | Spdu::Abort(r) => {
            release_params(r, s)
        }
        Spdu::AbortAccept => Ok(()),
        Spdu::Data(d) => s.bytes(d.gt_parameters),
        Spdu::OverflowAccept(o) => overflow_accept_params(o, s),
        Spdu::ConnectDataOverflow(c) => cdo_params(c, s),
    }
}

fn emit(spdu: &Spdu<'_>, s: &mut Sink<'_, '_>) -> Result<(), EncodeError> {
    // Checked before any octet, so `encode` reports this rather than a short buffer.
    if let Spdu::Connect(c) | Spdu::Accept(c) = spdu
        && c.extended_user_data
            .is_some_and(|d| d.len() > MAX_EXTENDED_USER_DATA)
    {
        return Err(EncodeError::InvalidValue {
            field: "session extended user data (at most 10 240 octets)",
        });
    }
    s.bytes(&[spdu.si()])?;
    s.li(counted(|s| params(spdu, s))?)?;
    params(spdu, s)?;
    if let Spdu::Data(d) = spdu {
        if let Some(p) = d.dt_parameters {
            s.bytes(&[SI_DT])?;
            s.li(p.len())?;
            s.bytes(p)?;
        }
        s.bytes(d.user_information)?;
    }
    Ok(())
}

impl Encode for Spdu<'_> {
    fn encoded_len(&self) -> usize {
        counted(|s| emit(self, s)).unwrap_or(0)
    }

    fn write_to(&self, w: &mut Writer<'_>) -> Result<(), EncodeError> {
        emit(self, &mut Sink::Write(w))
    }
}

/// Octets of the GT + DT header (`01 00 01 00`) before user information.
#[must_use]
pub const fn data_transfer_header_len() -> usize {
    4
}

/// Write the GT + DT header (`01 00 01 00`) for callers that encode the presentation user
/// data in place after it.
///
/// # Errors
/// A full buffer.
pub fn write_data_transfer_header(w: &mut Writer<'_>) -> Result<(), EncodeError> {
    emit(&Spdu::Data(DataTransfer::new(&[])), &mut Sink::Write(w))
}
