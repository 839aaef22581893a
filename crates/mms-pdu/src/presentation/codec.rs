//! Decoding and encoding of the presentation PPDUs.

use super::*;

type Result<T> = core::result::Result<T, PresentationError>;

/// The single TLV making up `input`.
fn whole(input: &[u8]) -> core::result::Result<Tlv<'_>, BerError> {
    let mut r = BerReader::new(input);
    let tlv = r.read_tlv()?;
    r.finish()?;
    Ok(tlv)
}

fn unexpected(tlv: &Tlv<'_>) -> PresentationError {
    PresentationError::Ber(BerError::UnexpectedTag {
        offset: tlv.offset,
        found: tlv.tag,
    })
}

/// mode-selector `[0] { mode-value [0] INTEGER }`: must be normal mode.
fn check_mode(tlv: &Tlv<'_>) -> Result<()> {
    let mut r = tlv.reader();
    let v = r.expect(Tag::context(0, false))?;
    r.finish()?;
    if v.as_i64()? == NORMAL_MODE {
        Ok(())
    } else {
        Err(PresentationError::Unsupported {
            offset: v.offset,
            field: "mode-value (x410-1984 mode)",
        })
    }
}

/// The normal-mode parameters of a CP-type or CPA-PPDU SET: calls `f` for each component
/// of `[2]`, after checking the mode selector.
fn normal_mode_set<'a>(input: &'a [u8], mut f: impl FnMut(Tlv<'a>) -> Result<()>) -> Result<()> {
    let set = whole(input)?;
    set.check_tag(Tag::SET)?;
    let mut r = set.reader();
    let mut mode = false;
    while !r.is_empty() {
        let t = r.read_tlv()?;
        match t.tag {
            MODE_SELECTOR => {
                check_mode(&t)?;
                mode = true;
            }
            NORMAL_MODE_PARAMETERS => {
                let mut n = t.reader();
                while !n.is_empty() {
                    f(n.read_tlv()?)?;
                }
            }
            _ => return Err(unexpected(&t)),
        }
    }
    if mode {
        Ok(())
    } else {
        Err(PresentationError::Missing {
            offset: set.offset,
            field: "mode-selector",
        })
    }
}

impl<'a> UserData<'a> {
    fn from_tlv(t: &Tlv<'a>) -> Result<Self> {
        match t.tag {
            SIMPLY_ENCODED => Ok(UserData::Simple(t.value)),
            FULLY_ENCODED => Ok(UserData::Fully(SeqOf::decode_contents(t, true)?)),
            _ => Err(unexpected(t)),
        }
    }

    fn is_user_data(tag: Tag) -> bool {
        tag == SIMPLY_ENCODED || tag == FULLY_ENCODED
    }
}

impl<'a> Decode<'a> for UserData<'a> {
    type Error = PresentationError;

    fn decode(input: &'a [u8]) -> Result<Self> {
        UserData::from_tlv(&whole(input)?)
    }
}

impl<'a> Decode<'a> for ConnectPpdu<'a> {
    type Error = PresentationError;

    fn decode(input: &'a [u8]) -> Result<Self> {
        let mut p = ConnectPpdu::default();
        normal_mode_set(input, |t| {
            match t.tag {
                PROTOCOL_VERSION => p.protocol_version = Some(t.as_bit_string()?),
                CALLING_SELECTOR => p.calling_selector = Some(t.value),
                CALLED_SELECTOR => p.called_selector = Some(t.value),
                CONTEXT_LIST => p.context_list = Some(SeqOf::decode_contents(&t, true)?),
                DEFAULT_CONTEXT_NAME => p.default_context_name = Some(t.value),
                PRESENTATION_REQUIREMENTS => {
                    p.presentation_requirements = Some(t.as_bit_string()?);
                }
                USER_SESSION_REQUIREMENTS => {
                    p.user_session_requirements = Some(t.as_bit_string()?);
                }
                tag if UserData::is_user_data(tag) => p.user_data = Some(UserData::from_tlv(&t)?),
                _ => return Err(unexpected(&t)),
            }
            Ok(())
        })?;
        Ok(p)
    }
}

impl<'a> Decode<'a> for AcceptPpdu<'a> {
    type Error = PresentationError;

    fn decode(input: &'a [u8]) -> Result<Self> {
        let mut p = AcceptPpdu::default();
        normal_mode_set(input, |t| {
            match t.tag {
                PROTOCOL_VERSION => p.protocol_version = Some(t.as_bit_string()?),
                RESPONDING_SELECTOR => p.responding_selector = Some(t.value),
                RESULT_LIST => p.result_list = Some(SeqOf::decode_contents(&t, true)?),
                PRESENTATION_REQUIREMENTS => {
                    p.presentation_requirements = Some(t.as_bit_string()?);
                }
                USER_SESSION_REQUIREMENTS => {
                    p.user_session_requirements = Some(t.as_bit_string()?);
                }
                tag if UserData::is_user_data(tag) => p.user_data = Some(UserData::from_tlv(&t)?),
                _ => return Err(unexpected(&t)),
            }
            Ok(())
        })?;
        Ok(p)
    }
}

impl<'a> Decode<'a> for RefusePpdu<'a> {
    type Error = PresentationError;

    fn decode(input: &'a [u8]) -> Result<Self> {
        let seq = whole(input)?;
        seq.check_tag(Tag::SEQUENCE)?;
        let mut p = RefusePpdu::default();
        let mut r = seq.reader();
        while !r.is_empty() {
            let t = r.read_tlv()?;
            match t.tag {
                PROTOCOL_VERSION => p.protocol_version = Some(t.as_bit_string()?),
                RESPONDING_SELECTOR => p.responding_selector = Some(t.value),
                RESULT_LIST => p.result_list = Some(SeqOf::decode_contents(&t, true)?),
                DEFAULT_CONTEXT_RESULT => p.default_context_result = Some(t.as_i64()?),
                PROVIDER_REASON => p.provider_reason = Some(t.as_i64()?),
                tag if UserData::is_user_data(tag) => p.user_data = Some(UserData::from_tlv(&t)?),
                _ => return Err(unexpected(&t)),
            }
        }
        Ok(p)
    }
}

impl<'a> Decode<'a> for AbortUserPpdu<'a> {
    type Error = PresentationError;

    fn decode(input: &'a [u8]) -> Result<Self> {
        let aru = whole(input)?;
        aru.check_tag(Tag::context(0, true))?;
        let mut p = AbortUserPpdu::default();
        let mut r = aru.reader();
        while !r.is_empty() {
            let t = r.read_tlv()?;
            match t.tag {
                tag if tag == Tag::context(0, true) => p.context_id_list = Some(t.value),
                tag if UserData::is_user_data(tag) => p.user_data = Some(UserData::from_tlv(&t)?),
                _ => return Err(unexpected(&t)),
            }
        }
        Ok(p)
    }
}

impl<'a> Decode<'a> for AbortProviderPpdu {
    type Error = PresentationError;

    fn decode(input: &'a [u8]) -> Result<Self> {
        let arp = whole(input)?;
        arp.check_tag(Tag::SEQUENCE)?;
        let mut r = arp.reader();
        let provider_reason = r
            .read_optional(Tag::context(0, false))?
            .map(|t| t.as_i64())
            .transpose()?;
        let event_identifier = r
            .read_optional(Tag::context(1, false))?
            .map(|t| t.as_i64())
            .transpose()?;
        r.finish()?;
        Ok(AbortProviderPpdu {
            provider_reason,
            event_identifier,
        })
    }
}

impl<'a> Decode<'a> for Ppdu<'a> {
    type Error = PresentationError;

    /// Decode by the outer tag alone: SET → CP-type if it has calling/called selectors or a
    /// context list, else CPA; `[0]` → ARU; `[APPLICATION 0/1]` → User-data. SEQUENCE is
    /// ambiguous (CPR or ARP) and decoded as CPR. Prefer [`Ppdu::decode_for`].
    fn decode(input: &'a [u8]) -> Result<Self> {
        let t = whole(input)?;
        match t.tag {
            Tag::SET => match ConnectPpdu::decode(input) {
                Ok(cp) => Ok(Ppdu::Connect(cp)),
                Err(_) => Ok(Ppdu::Accept(AcceptPpdu::decode(input)?)),
            },
            Tag::SEQUENCE => Ok(Ppdu::Refuse(RefusePpdu::decode(input)?)),
            tag if tag == Tag::context(0, true) => {
                Ok(Ppdu::AbortUser(AbortUserPpdu::decode(input)?))
            }
            _ => Ok(Ppdu::Data(UserData::decode(input)?)),
        }
    }
}

impl<'a> Element<'a> for ContextDefinition<'a> {
    type Error = BerError;

    fn decode_element(tlv: &Tlv<'a>, _validate: bool) -> core::result::Result<Self, BerError> {
        tlv.check_tag(Tag::SEQUENCE)?;
        let mut r = tlv.reader();
        let id = r.expect(Tag::INTEGER)?.as_i64()?;
        let abstract_syntax = r.expect(Tag::OID)?.as_oid()?;
        let transfer_syntaxes = SeqOf::decode_contents(&r.expect(Tag::SEQUENCE)?, true)?;
        r.finish()?;
        Ok(ContextDefinition {
            id,
            abstract_syntax,
            transfer_syntaxes,
        })
    }

    fn element_len(&self) -> usize {
        count(|s| self.emit(s)).unwrap_or(0)
    }

    fn write_element(&self, w: &mut Writer<'_>) -> core::result::Result<(), EncodeError> {
        self.emit(&mut Sink::Write(w))
    }
}

impl ContextDefinition<'_> {
    fn emit(&self, s: &mut Sink<'_, '_>) -> core::result::Result<(), EncodeError> {
        s.tlv(Tag::SEQUENCE, |s| {
            s.int(Tag::INTEGER, self.id)?;
            s.oid(Tag::OID, self.abstract_syntax)?;
            s.tlv(Tag::SEQUENCE, |s| seq_of(s, &self.transfer_syntaxes))
        })
    }
}

fn seq_of<'a, T: Element<'a>>(
    s: &mut Sink<'_, '_>,
    list: &SeqOf<'a, T>,
) -> core::result::Result<(), EncodeError> {
    match s {
        Sink::Count(n) => {
            *n = n.saturating_add(list.content_len());
            Ok(())
        }
        Sink::Write(w) => list.write_content(w),
    }
}

impl<'a> Element<'a> for ContextResult<'a> {
    type Error = BerError;

    fn decode_element(tlv: &Tlv<'a>, _validate: bool) -> core::result::Result<Self, BerError> {
        tlv.check_tag(Tag::SEQUENCE)?;
        let mut r = tlv.reader();
        let result = r.expect(Tag::context(0, false))?.as_i64()?;
        let transfer_syntax = r
            .read_optional(Tag::context(1, false))?
            .map(|t| t.as_oid())
            .transpose()?;
        let provider_reason = r
            .read_optional(Tag::context(2, false))?
            .map(|t| t.as_i64())
            .transpose()?;
        r.finish()?;
        Ok(ContextResult {
            result,
            transfer_syntax,
            provider_reason,
        })
    }

    fn element_len(&self) -> usize {
        count(|s| self.emit(s)).unwrap_or(0)
    }

    fn write_element(&self, w: &mut Writer<'_>) -> core::result::Result<(), EncodeError> {
        self.emit(&mut Sink::Write(w))
    }
}

impl ContextResult<'_> {
    fn emit(&self, s: &mut Sink<'_, '_>) -> core::result::Result<(), EncodeError> {
        s.tlv(Tag::SEQUENCE, |s| {
            s.int(Tag::context(0, false), self.result)?;
            if let Some(o) = self.transfer_syntax {
                s.oid(Tag::context(1, false), o)?;
            }
            if let Some(v) = self.provider_reason {
                s.int(Tag::context(2, false), v)?;
            }
            Ok(())
        })
    }
}

impl<'a> Element<'a> for Pdv<'a> {
    type Error = BerError;

    fn decode_element(tlv: &Tlv<'a>, _validate: bool) -> core::result::Result<Self, BerError> {
        tlv.check_tag(Tag::SEQUENCE)?;
        let mut r = tlv.reader();
        let transfer_syntax = r.read_optional(Tag::OID)?.map(|t| t.as_oid()).transpose()?;
        let context_id = r.expect(Tag::INTEGER)?.as_i64()?;
        let v = r.read_tlv().map_err(|e| match e {
            BerError::Truncated { offset } if r.is_empty() => BerError::MissingElement {
                offset,
                expected: Tag::context(0, true),
            },
            other => other,
        })?;
        let value = match v.tag {
            t if t == Tag::context(0, true) => PdvValue::SingleAsn1Type(v.value),
            t if t == Tag::context(1, false) => PdvValue::OctetAligned(v.value),
            t if t == Tag::context(2, false) => PdvValue::Arbitrary(v.as_bit_string()?),
            found => {
                return Err(BerError::UnexpectedTag {
                    offset: v.offset,
                    found,
                });
            }
        };
        r.finish()?;
        Ok(Pdv {
            transfer_syntax,
            context_id,
            value,
        })
    }

    fn element_len(&self) -> usize {
        count(|s| self.emit(s)).unwrap_or(0)
    }

    fn write_element(&self, w: &mut Writer<'_>) -> core::result::Result<(), EncodeError> {
        self.emit(&mut Sink::Write(w))
    }
}

impl Pdv<'_> {
    fn emit(&self, s: &mut Sink<'_, '_>) -> core::result::Result<(), EncodeError> {
        s.tlv(Tag::SEQUENCE, |s| {
            if let Some(o) = self.transfer_syntax {
                s.oid(Tag::OID, o)?;
            }
            s.int(Tag::INTEGER, self.context_id)?;
            match self.value {
                PdvValue::SingleAsn1Type(v) => s.tlv(Tag::context(0, true), |s| s.bytes(v)),
                PdvValue::OctetAligned(v) => s.prim(Tag::context(1, false), v),
                PdvValue::Arbitrary(b) => s.bits(Tag::context(2, false), b),
            }
        })
    }
}

impl UserData<'_> {
    pub(crate) fn emit(&self, s: &mut Sink<'_, '_>) -> core::result::Result<(), EncodeError> {
        match self {
            UserData::Simple(v) => s.prim(SIMPLY_ENCODED, v),
            UserData::Fully(list) => s.tlv(FULLY_ENCODED, |s| seq_of(s, list)),
        }
    }
}

fn opt_bits(
    s: &mut Sink<'_, '_>,
    tag: Tag,
    v: Option<BitString<'_>>,
) -> core::result::Result<(), EncodeError> {
    v.map_or(Ok(()), |b| s.bits(tag, b))
}

fn opt_prim(
    s: &mut Sink<'_, '_>,
    tag: Tag,
    v: Option<&[u8]>,
) -> core::result::Result<(), EncodeError> {
    v.map_or(Ok(()), |b| s.prim(tag, b))
}

fn opt_user_data(
    s: &mut Sink<'_, '_>,
    v: Option<&UserData<'_>>,
) -> core::result::Result<(), EncodeError> {
    v.map_or(Ok(()), |u| u.emit(s))
}

fn mode_selector(s: &mut Sink<'_, '_>) -> core::result::Result<(), EncodeError> {
    s.tlv(MODE_SELECTOR, |s| {
        s.int(Tag::context(0, false), NORMAL_MODE)
    })
}

impl ConnectPpdu<'_> {
    fn emit(&self, s: &mut Sink<'_, '_>) -> core::result::Result<(), EncodeError> {
        s.tlv(Tag::SET, |s| {
            mode_selector(s)?;
            s.tlv(NORMAL_MODE_PARAMETERS, |s| {
                opt_bits(s, PROTOCOL_VERSION, self.protocol_version)?;
                opt_prim(s, CALLING_SELECTOR, self.calling_selector)?;
                opt_prim(s, CALLED_SELECTOR, self.called_selector)?;
                if let Some(l) = &self.context_list {
                    s.tlv(CONTEXT_LIST, |s| seq_of(s, l))?;
                }
                if let Some(d) = self.default_context_name {
                    s.tlv(DEFAULT_CONTEXT_NAME, |s| s.bytes(d))?;
                }
                opt_bits(s, PRESENTATION_REQUIREMENTS, self.presentation_requirements)?;
                opt_bits(s, USER_SESSION_REQUIREMENTS, self.user_session_requirements)?;
                opt_user_data(s, self.user_data.as_ref())
            })
        })
    }
}

impl AcceptPpdu<'_> {
    fn emit(&self, s: &mut Sink<'_, '_>) -> core::result::Result<(), EncodeError> {
        s.tlv(Tag::SET, |s| {
            mode_selector(s)?;
            s.tlv(NORMAL_MODE_PARAMETERS, |s| {
                opt_bits(s, PROTOCOL_VERSION, self.protocol_version)?;
                opt_prim(s, RESPONDING_SELECTOR, self.responding_selector)?;
                if let Some(l) = &self.result_list {
                    s.tlv(RESULT_LIST, |s| seq_of(s, l))?;
                }
                opt_bits(s, PRESENTATION_REQUIREMENTS, self.presentation_requirements)?;
                opt_bits(s, USER_SESSION_REQUIREMENTS, self.user_session_requirements)?;
                opt_user_data(s, self.user_data.as_ref())
            })
        })
    }
}

impl RefusePpdu<'_> {
    fn emit(&self, s: &mut Sink<'_, '_>) -> core::result::Result<(), EncodeError> {
        s.tlv(Tag::SEQUENCE, |s| {
            opt_bits(s, PROTOCOL_VERSION, self.protocol_version)?;
            opt_prim(s, RESPONDING_SELECTOR, self.responding_selector)?;
            if let Some(l) = &self.result_list {
                s.tlv(RESULT_LIST, |s| seq_of(s, l))?;
            }
            if let Some(v) = self.default_context_result {
                s.int(DEFAULT_CONTEXT_RESULT, v)?;
            }
            if let Some(v) = self.provider_reason {
                s.int(PROVIDER_REASON, v)?;
            }
            opt_user_data(s, self.user_data.as_ref())
        })
    }
}

impl AbortUserPpdu<'_> {
    fn emit(&self, s: &mut Sink<'_, '_>) -> core::result::Result<(), EncodeError> {
        s.tlv(Tag::context(0, true), |s| {
            if let Some(l) = self.context_id_list {
                s.tlv(Tag::context(0, true), |s| s.bytes(l))?;
            }
            opt_user_data(s, self.user_data.as_ref())
        })
    }
}

impl AbortProviderPpdu {
    fn emit(&self, s: &mut Sink<'_, '_>) -> core::result::Result<(), EncodeError> {
        s.tlv(Tag::SEQUENCE, |s| {
            if let Some(v) = self.provider_reason {
                s.int(Tag::context(0, false), v)?;
            }
            if let Some(v) = self.event_identifier {
                s.int(Tag::context(1, false), v)?;
            }
            Ok(())
        })
    }
}

impl Ppdu<'_> {
    fn emit(&self, s: &mut Sink<'_, '_>) -> core::result::Result<(), EncodeError> {
        match self {
            Ppdu::Connect(p) => p.emit(s),
            Ppdu::Accept(p) => p.emit(s),
            Ppdu::Refuse(p) => p.emit(s),
            Ppdu::AbortUser(p) => p.emit(s),
            Ppdu::AbortProvider(p) => p.emit(s),
            Ppdu::Data(d) => d.emit(s),
        }
    }
}

macro_rules! encode_via_emit {
    ($($t:ty),*) => {$(
        impl Encode for $t {
            fn encoded_len(&self) -> usize {
                count(|s| self.emit(s)).unwrap_or(0)
            }

            fn write_to(&self, w: &mut Writer<'_>) -> core::result::Result<(), EncodeError> {
                self.emit(&mut Sink::Write(w))
            }
        }
    )*};
}

encode_via_emit!(
    ConnectPpdu<'_>,
    AcceptPpdu<'_>,
    RefusePpdu<'_>,
    AbortUserPpdu<'_>,
    AbortProviderPpdu,
    UserData<'_>,
    Ppdu<'_>
);
