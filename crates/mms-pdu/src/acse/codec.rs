//! Decoding and encoding of the ACSE APDUs.

use super::*;

type Result<T> = core::result::Result<T, AcseError>;
type EResult = core::result::Result<(), EncodeError>;

/// The element `[n]` EXPLICIT, if next: its single inner TLV.
fn explicit<'a>(r: &mut BerReader<'a>, n: u32) -> Result<Option<Tlv<'a>>> {
    let Some(outer) = r.read_optional(Tag::context(n, true))? else {
        return Ok(None);
    };
    let mut inner = outer.reader();
    let t = inner.read_tlv()?;
    inner.finish()?;
    Ok(Some(t))
}

/// AP-title form 2 (an OID) under `[n]`.
fn ap_title<'a>(r: &mut BerReader<'a>, n: u32) -> Result<Option<Oid<'a>>> {
    match explicit(r, n)? {
        None => Ok(None),
        Some(t) if t.tag == Tag::OID => Ok(Some(t.as_oid()?)),
        Some(t) => Err(AcseError::Unsupported {
            offset: t.offset,
            field: "AP-title form 1",
        }),
    }
}

/// An INTEGER under `[n]` EXPLICIT (AE-qualifier form 2, invocation identifiers, result).
fn int_x(r: &mut BerReader<'_>, n: u32, field: &'static str) -> Result<Option<i64>> {
    match explicit(r, n)? {
        None => Ok(None),
        Some(t) if t.tag == Tag::INTEGER => Ok(Some(t.as_i64()?)),
        Some(t) => Err(AcseError::Unsupported {
            offset: t.offset,
            field,
        }),
    }
}

fn bits_i<'a>(r: &mut BerReader<'a>, n: u32) -> Result<Option<BitString<'a>>> {
    Ok(r.read_optional(Tag::context(n, false))?
        .map(|t| t.as_bit_string())
        .transpose()?)
}

fn oid_i<'a>(r: &mut BerReader<'a>, n: u32) -> Result<Option<Oid<'a>>> {
    Ok(r.read_optional(Tag::context(n, false))?
        .map(|t| t.as_oid())
        .transpose()?)
}

fn auth_value<'a>(r: &mut BerReader<'a>, n: u32) -> Result<Option<AuthenticationValue<'a>>> {
    let Some(t) = explicit(r, n)? else {
        return Ok(None);
    };
    Ok(Some(match (t.tag.number, t.tag.class, t.tag.constructed) {
        (0, crate::ber::Class::ContextSpecific, false) => AuthenticationValue::CharString(t.value),
        (1, crate::ber::Class::ContextSpecific, false) => {
            AuthenticationValue::BitString(t.as_bit_string()?)
        }
        (2, crate::ber::Class::ContextSpecific, true) => AuthenticationValue::External(t.value),
        (3, crate::ber::Class::ContextSpecific, true) => AuthenticationValue::Other(t.value),
        _ => {
            return Err(AcseError::Ber(BerError::UnexpectedTag {
                offset: t.offset,
                found: t.tag,
            }));
        }
    }))
}

fn external<'a>(t: &Tlv<'a>) -> Result<External<'a>> {
    t.check_tag(Tag::EXTERNAL)?;
    let mut r = t.reader();
    let direct_reference = r.read_optional(Tag::OID)?.map(|t| t.as_oid()).transpose()?;
    let indirect_reference = r
        .read_optional(Tag::INTEGER)?
        .map(|t| t.as_i64())
        .transpose()?;
    let data_value_descriptor = r.read_optional(Tag::OBJECT_DESCRIPTOR)?.map(|t| t.value);
    let offset = r.position();
    let v = r.read_tlv().map_err(|e| match e {
        BerError::Truncated { .. } if r.is_empty() => BerError::MissingElement {
            offset,
            expected: Tag::context(0, true),
        },
        other => other,
    })?;
    let encoding = match (v.tag.class, v.tag.number, v.tag.constructed) {
        (crate::ber::Class::ContextSpecific, 0, true) => PdvValue::SingleAsn1Type(v.value),
        (crate::ber::Class::ContextSpecific, 1, false) => PdvValue::OctetAligned(v.value),
        (crate::ber::Class::ContextSpecific, 2, false) => PdvValue::Arbitrary(v.as_bit_string()?),
        _ => {
            return Err(AcseError::Ber(BerError::UnexpectedTag {
                offset: v.offset,
                found: v.tag,
            }));
        }
    };
    r.finish()?;
    Ok(External {
        direct_reference,
        indirect_reference,
        data_value_descriptor,
        encoding,
    })
}

fn user_information<'a>(r: &mut BerReader<'a>) -> Result<Option<External<'a>>> {
    let Some(t) = r.read_optional(USER_INFORMATION)? else {
        return Ok(None);
    };
    let mut inner = t.reader();
    let first = inner.expect(Tag::EXTERNAL)?;
    if !inner.is_empty() {
        return Err(AcseError::Unsupported {
            offset: inner.position(),
            field: "more than one EXTERNAL in user-information",
        });
    }
    Ok(Some(external(&first)?))
}

fn implementation_information<'a>(r: &mut BerReader<'a>) -> Result<Option<&'a [u8]>> {
    Ok(r.read_optional(IMPLEMENTATION_INFORMATION)?
        .map(|t| t.value))
}

fn decode_aarq<'a>(t: &Tlv<'a>) -> Result<Aarq<'a>> {
    let mut r = t.reader();
    let protocol_version = bits_i(&mut r, 0)?;
    let offset = r.position();
    let application_context = match explicit(&mut r, 1)? {
        Some(t) if t.tag == Tag::OID => t.as_oid()?,
        Some(t) => {
            return Err(BerError::UnexpectedTag {
                offset: t.offset,
                found: t.tag,
            }
            .into());
        }
        None => {
            return Err(BerError::MissingElement {
                offset,
                expected: Tag::context(1, true),
            }
            .into());
        }
    };
    let a = Aarq {
        protocol_version,
        application_context,
        called_ap_title: ap_title(&mut r, 2)?,
        called_ae_qualifier: int_x(&mut r, 3, "AE-qualifier form 1")?,
        called_ap_invocation_id: int_x(&mut r, 4, "AP-invocation-identifier")?,
        called_ae_invocation_id: int_x(&mut r, 5, "AE-invocation-identifier")?,
        calling_ap_title: ap_title(&mut r, 6)?,
        calling_ae_qualifier: int_x(&mut r, 7, "AE-qualifier form 1")?,
        calling_ap_invocation_id: int_x(&mut r, 8, "AP-invocation-identifier")?,
        calling_ae_invocation_id: int_x(&mut r, 9, "AE-invocation-identifier")?,
        sender_requirements: bits_i(&mut r, 10)?,
        mechanism_name: oid_i(&mut r, 11)?,
        authentication_value: auth_value(&mut r, 12)?,
        implementation_information: implementation_information(&mut r)?,
        user_information: user_information(&mut r)?,
    };
    r.finish()?;
    Ok(a)
}

fn decode_aare<'a>(t: &Tlv<'a>) -> Result<Aare<'a>> {
    let mut r = t.reader();
    let protocol_version = bits_i(&mut r, 0)?;
    let offset = r.position();
    let application_context = match explicit(&mut r, 1)? {
        Some(t) if t.tag == Tag::OID => t.as_oid()?,
        Some(t) => {
            return Err(BerError::UnexpectedTag {
                offset: t.offset,
                found: t.tag,
            }
            .into());
        }
        None => {
            return Err(BerError::MissingElement {
                offset,
                expected: Tag::context(1, true),
            }
            .into());
        }
    };
    let offset = r.position();
    let result = int_x(&mut r, 2, "result")?.ok_or(BerError::MissingElement {
        offset,
        expected: Tag::context(2, true),
    })?;
    let result_source_diagnostic = match explicit(&mut r, 3)? {
        None => None,
        Some(d) => {
            let v = match (d.tag.class, d.tag.number) {
                (crate::ber::Class::ContextSpecific, 1 | 2) if d.tag.constructed => {
                    let mut i = d.reader();
                    let v = i.expect(Tag::INTEGER)?.as_i64()?;
                    i.finish()?;
                    v
                }
                _ => {
                    return Err(BerError::UnexpectedTag {
                        offset: d.offset,
                        found: d.tag,
                    }
                    .into());
                }
            };
            Some(if d.tag.number == 1 {
                SourceDiagnostic::ServiceUser(v)
            } else {
                SourceDiagnostic::ServiceProvider(v)
            })
        }
    };
    let a = Aare {
        protocol_version,
        application_context,
        result,
        result_source_diagnostic,
        responding_ap_title: ap_title(&mut r, 4)?,
        responding_ae_qualifier: int_x(&mut r, 5, "AE-qualifier form 1")?,
        responding_ap_invocation_id: int_x(&mut r, 6, "AP-invocation-identifier")?,
        responding_ae_invocation_id: int_x(&mut r, 7, "AE-invocation-identifier")?,
        responder_requirements: bits_i(&mut r, 8)?,
        mechanism_name: oid_i(&mut r, 9)?,
        authentication_value: auth_value(&mut r, 10)?,
        implementation_information: implementation_information(&mut r)?,
        user_information: user_information(&mut r)?,
    };
    r.finish()?;
    Ok(a)
}

fn decode_release<'a>(t: &Tlv<'a>) -> Result<ReleaseApdu<'a>> {
    let mut r = t.reader();
    let reason = r
        .read_optional(Tag::context(0, false))?
        .map(|t| t.as_i64())
        .transpose()?;
    let user_information = user_information(&mut r)?;
    r.finish()?;
    Ok(ReleaseApdu {
        reason,
        user_information,
    })
}

fn decode_abort<'a>(t: &Tlv<'a>) -> Result<AbortApdu<'a>> {
    let mut r = t.reader();
    let source = r.expect(Tag::context(0, false))?.as_i64()?;
    let diagnostic = r
        .read_optional(Tag::context(1, false))?
        .map(|t| t.as_i64())
        .transpose()?;
    let user_information = user_information(&mut r)?;
    r.finish()?;
    Ok(AbortApdu {
        source,
        diagnostic,
        user_information,
    })
}

impl<'a> Decode<'a> for Apdu<'a> {
    type Error = AcseError;

    fn decode(input: &'a [u8]) -> Result<Self> {
        let mut r = BerReader::new(input);
        let t = r.read_tlv()?;
        r.finish()?;
        Apdu::from_tlv(&t)
    }
}

impl<'a> Apdu<'a> {
    /// Decode an APDU from its TLV (e.g. the single-ASN1-type value of a PDV, with the
    /// PDV's absolute offsets).
    ///
    /// # Errors
    /// [`AcseError`].
    pub fn from_tlv(t: &Tlv<'a>) -> Result<Self> {
        Ok(match t.tag {
            AARQ => Apdu::AssociateRequest(decode_aarq(t)?),
            AARE => Apdu::AssociateResponse(decode_aare(t)?),
            RLRQ => Apdu::ReleaseRequest(decode_release(t)?),
            RLRE => Apdu::ReleaseResponse(decode_release(t)?),
            ABRT => Apdu::Abort(decode_abort(t)?),
            found => {
                return Err(BerError::UnexpectedTag {
                    offset: t.offset,
                    found,
                }
                .into());
            }
        })
    }
}

// ---- encoding ----

fn x_oid(s: &mut Sink<'_, '_>, n: u32, v: Option<Oid<'_>>) -> EResult {
    v.map_or(Ok(()), |o| {
        s.tlv(Tag::context(n, true), |s| s.oid(Tag::OID, o))
    })
}

fn x_int(s: &mut Sink<'_, '_>, n: u32, v: Option<i64>) -> EResult {
    v.map_or(Ok(()), |i| {
        s.tlv(Tag::context(n, true), |s| s.int(Tag::INTEGER, i))
    })
}

fn i_bits(s: &mut Sink<'_, '_>, n: u32, v: Option<BitString<'_>>) -> EResult {
    v.map_or(Ok(()), |b| s.bits(Tag::context(n, false), b))
}

fn i_int(s: &mut Sink<'_, '_>, n: u32, v: Option<i64>) -> EResult {
    v.map_or(Ok(()), |i| s.int(Tag::context(n, false), i))
}

fn x_auth(s: &mut Sink<'_, '_>, n: u32, v: Option<AuthenticationValue<'_>>) -> EResult {
    let Some(v) = v else { return Ok(()) };
    s.tlv(Tag::context(n, true), |s| match v {
        AuthenticationValue::CharString(p) => s.prim(Tag::context(0, false), p),
        AuthenticationValue::BitString(b) => s.bits(Tag::context(1, false), b),
        AuthenticationValue::External(e) => s.tlv(Tag::context(2, true), |s| s.bytes(e)),
        AuthenticationValue::Other(o) => s.tlv(Tag::context(3, true), |s| s.bytes(o)),
    })
}

fn emit_external(s: &mut Sink<'_, '_>, e: &External<'_>) -> EResult {
    s.tlv(Tag::EXTERNAL, |s| {
        if let Some(o) = e.direct_reference {
            s.oid(Tag::OID, o)?;
        }
        if let Some(i) = e.indirect_reference {
            s.int(Tag::INTEGER, i)?;
        }
        if let Some(d) = e.data_value_descriptor {
            s.prim(Tag::OBJECT_DESCRIPTOR, d)?;
        }
        match e.encoding {
            PdvValue::SingleAsn1Type(v) => s.tlv(Tag::context(0, true), |s| s.bytes(v)),
            PdvValue::OctetAligned(v) => s.prim(Tag::context(1, false), v),
            PdvValue::Arbitrary(b) => s.bits(Tag::context(2, false), b),
        }
    })
}

fn tail(s: &mut Sink<'_, '_>, impl_info: Option<&[u8]>, ui: Option<&External<'_>>) -> EResult {
    if let Some(i) = impl_info {
        s.prim(IMPLEMENTATION_INFORMATION, i)?;
    }
    ui.map_or(Ok(()), |e| s.tlv(USER_INFORMATION, |s| emit_external(s, e)))
}

impl Apdu<'_> {
    fn emit(&self, s: &mut Sink<'_, '_>) -> EResult {
        match self {
            Apdu::AssociateRequest(a) => s.tlv(AARQ, |s| {
                i_bits(s, 0, a.protocol_version)?;
                x_oid(s, 1, Some(a.application_context))?;
                x_oid(s, 2, a.called_ap_title)?;
                x_int(s, 3, a.called_ae_qualifier)?;
                x_int(s, 4, a.called_ap_invocation_id)?;
                x_int(s, 5, a.called_ae_invocation_id)?;
                x_oid(s, 6, a.calling_ap_title)?;
                x_int(s, 7, a.calling_ae_qualifier)?;
                x_int(s, 8, a.calling_ap_invocation_id)?;
                x_int(s, 9, a.calling_ae_invocation_id)?;
                i_bits(s, 10, a.sender_requirements)?;
                a.mechanism_name
                    .map_or(Ok(()), |m| s.oid(Tag::context(11, false), m))?;
                x_auth(s, 12, a.authentication_value)?;
                tail(s, a.implementation_information, a.user_information.as_ref())
            }),
            Apdu::AssociateResponse(a) => s.tlv(AARE, |s| {
                i_bits(s, 0, a.protocol_version)?;
                x_oid(s, 1, Some(a.application_context))?;
                x_int(s, 2, Some(a.result))?;
                if let Some(d) = a.result_source_diagnostic {
                    let (n, v) = match d {
                        SourceDiagnostic::ServiceUser(v) => (1, v),
                        SourceDiagnostic::ServiceProvider(v) => (2, v),
                    };
                    s.tlv(Tag::context(3, true), |s| x_int(s, n, Some(v)))?;
                }
                x_oid(s, 4, a.responding_ap_title)?;
                x_int(s, 5, a.responding_ae_qualifier)?;
                x_int(s, 6, a.responding_ap_invocation_id)?;
                x_int(s, 7, a.responding_ae_invocation_id)?;
                i_bits(s, 8, a.responder_requirements)?;
                a.mechanism_name
                    .map_or(Ok(()), |m| s.oid(Tag::context(9, false), m))?;
                x_auth(s, 10, a.authentication_value)?;
                tail(s, a.implementation_information, a.user_information.as_ref())
            }),
            Apdu::ReleaseRequest(r) | Apdu::ReleaseResponse(r) => {
                let tag = if matches!(self, Apdu::ReleaseRequest(_)) {
                    RLRQ
                } else {
                    RLRE
                };
                s.tlv(tag, |s| {
                    i_int(s, 0, r.reason)?;
                    tail(s, None, r.user_information.as_ref())
                })
            }
            Apdu::Abort(a) => s.tlv(ABRT, |s| {
                i_int(s, 0, Some(a.source))?;
                i_int(s, 1, a.diagnostic)?;
                tail(s, None, a.user_information.as_ref())
            }),
        }
    }
}

impl Encode for Apdu<'_> {
    fn encoded_len(&self) -> usize {
        count(|s| self.emit(s)).unwrap_or(0)
    }

    fn write_to(&self, w: &mut Writer<'_>) -> EResult {
        self.emit(&mut Sink::Write(w))
    }
}
