//! Encoding what the association sends: COTP CR/CC/DR, the set-up TSDUs (CN/CP/AARQ,
//! AC/CPA/AARE, RF/CPR/AARE), release, abort and MMS data, queued as TPKTs in `tx`.

use telecontrol_core::{Encode, EncodeError, Writer};

use super::{AssocError, Association, Refusal, Role};
use crate::acse::{
    Aare, Aarq, AbortApdu, Apdu, AuthenticationValue, External, MMS_APPLICATION_CONTEXT,
    PASSWORD_MECHANISM, ReleaseApdu, SourceDiagnostic,
};
use crate::ber::{BitString, SeqOf};
use crate::cotp::{Connect, Disconnect, Tpdu, TpduSize};
use crate::mms::{InitDetail, InitiateParams, MmsPdu, ServiceError};
use crate::presentation::{
    ACSE_ABSTRACT_SYNTAX, AbortUserPpdu, AcceptPpdu, BER_TRANSFER_SYNTAX, ConnectPpdu,
    ContextDefinition, ContextResult, MMS_ABSTRACT_SYNTAX, Pdv, PdvValue, RefusePpdu, UserData,
};
use crate::session::{
    ConnectAccept, DATA_OVERFLOW_MORE, MAX_CONNECT_USER_DATA, MAX_EXTENDED_USER_DATA,
    REQUIREMENT_DUPLEX, Refuse, Release, Spdu, VERSION_2,
};
use crate::{stack, tpkt};

/// Octets `BUF` needs beyond the MMS PDU size (headers of every layer of one data TSDU).
pub(super) const HEADROOM: usize = 64;

/// Presentation context ids the initiator proposes (as most MMS stacks do).
pub(super) const ACSE_CONTEXT: i64 = 1;
/// See [`ACSE_CONTEXT`].
pub(super) const MMS_CONTEXT: i64 = 3;

/// Largest set-up TSDU layer we build (addresses, password and Initiate included).
const SETUP: usize = 1024;

const VERSION1: [u8; 1] = [0x80];
const BER: [crate::ber::Oid<'static>; 1] = [BER_TRANSFER_SYNTAX];

fn opt(s: &[u8]) -> Option<&[u8]> {
    (!s.is_empty()).then_some(s)
}

/// Encode `v` into `buf`, returning the written prefix.
/// Queue `tsdu` into `tx` as DT TPDUs of `tpdu_size`, EOT on the last (a free function so
/// that the TSDU may lie in another buffer of the association).
pub(super) fn push_tsdu<const BUF: usize>(
    tx: &mut [u8; BUF],
    tx_len: &mut usize,
    tpdu_size: TpduSize,
    tsdu: &[u8],
) -> Result<(), AssocError> {
    let seg = tpdu_size.octets().saturating_sub(3).max(1);
    let segments = tsdu.len().div_ceil(seg).max(1);
    let total = tsdu.len().saturating_add(segments.saturating_mul(7));
    let available = BUF.saturating_sub(*tx_len);
    let free =
        tx.get_mut(*tx_len..)
            .filter(|f| f.len() >= total)
            .ok_or(AssocError::TransmitFull {
                needed: total,
                available,
            })?;
    let mut w = Writer::new(free);
    let mut chunks = tsdu.chunks(seg).peekable();
    while let Some(chunk) = chunks.next() {
        tpkt::write_header(&mut w, chunk.len().saturating_add(3))?;
        crate::cotp::write_data_header(&mut w, chunks.peek().is_none())?;
        w.write_bytes(chunk).map_err(EncodeError::from)?;
    }
    *tx_len = tx_len.saturating_add(total);
    Ok(())
}

pub(super) fn enc<'b>(v: &impl Encode, buf: &'b mut [u8]) -> Result<&'b [u8], AssocError> {
    let n = v.encode(buf)?;
    Ok(buf.get(..n).unwrap_or(&[]))
}

/// Fully-encoded user data: one PDV in `ctx`.
fn pdv(ctx: i64, value: &[u8]) -> [Pdv<'_>; 1] {
    [Pdv {
        transfer_syntax: None,
        context_id: ctx,
        value: PdvValue::SingleAsn1Type(value),
    }]
}

impl<const BUF: usize, const OUT: usize> Association<'_, BUF, OUT> {
    fn tx_room(&self) -> usize {
        BUF.saturating_sub(self.tx_len)
    }

    /// Queue one TPDU in a TPKT.
    pub(super) fn queue_tpdu(&mut self, tpdu: &Tpdu<'_>) -> Result<(), AssocError> {
        let len = tpdu.encoded_len();
        let total = len.saturating_add(tpkt::HEADER_LEN);
        let available = self.tx_room();
        let free = self
            .tx
            .get_mut(self.tx_len..)
            .filter(|f| f.len() >= total)
            .ok_or(AssocError::TransmitFull {
                needed: total,
                available,
            })?;
        let mut w = Writer::new(free);
        tpkt::write_header(&mut w, len)?;
        tpdu.write_to(&mut w)?;
        self.tx_len = self.tx_len.saturating_add(total);
        Ok(())
    }

    /// Queue a TSDU as DT TPDUs of the negotiated size, EOT on the last.
    pub(super) fn queue_tsdu(&mut self, tsdu: &[u8]) -> Result<(), AssocError> {
        push_tsdu(&mut self.tx, &mut self.tx_len, self.tpdu_size, tsdu)
    }

    /// Queue an MMS PDU on the established association (GT+DT, TD, segmented).
    pub(super) fn send_mms(&mut self, pdu: &MmsPdu<'_>) -> Result<(), AssocError> {
        let len = pdu.encoded_len();
        let max = usize::try_from(self.negotiated.max_pdu_size).unwrap_or(0);
        if len > max {
            return Err(AssocError::PduTooLarge { len, max });
        }
        let mms = enc(pdu, &mut self.scratch)?;
        Self::queue_mms(
            &mut self.tx,
            &mut self.tx_len,
            mms,
            self.negotiated.mms_context,
            self.tpdu_size,
        )
    }

    /// Queue an MMS PDU encoded by the caller (checked against the negotiated size).
    pub(super) fn send_encoded_mms(&mut self, mms: &[u8]) -> Result<(), AssocError> {
        let len = mms.len();
        let max = usize::try_from(self.negotiated.max_pdu_size).unwrap_or(0);
        if len > max {
            return Err(AssocError::PduTooLarge { len, max });
        }
        Self::queue_mms(
            &mut self.tx,
            &mut self.tx_len,
            mms,
            self.negotiated.mms_context,
            self.tpdu_size,
        )
    }

    fn queue_mms(
        tx: &mut [u8; BUF],
        tx_len: &mut usize,
        mms: &[u8],
        ctx: i64,
        tpdu_size: TpduSize,
    ) -> Result<(), AssocError> {
        let needed = stack::mms_data_len(mms.len(), ctx, tpdu_size);
        let available = BUF.saturating_sub(*tx_len);
        let free = tx
            .get_mut(*tx_len..)
            .ok_or(AssocError::TransmitFull { needed, available })?;
        let n = stack::encode_mms_data(mms, ctx, tpdu_size, free)?;
        *tx_len = tx_len.saturating_add(n);
        Ok(())
    }

    pub(super) fn send_cr(&mut self) -> Result<(), AssocError> {
        let c = self.config;
        self.queue_tpdu(&Tpdu::ConnectionRequest(Connect {
            dst_ref: 0,
            src_ref: self.local_ref,
            class_options: 0,
            credit: 0,
            tpdu_size: Some(c.tpdu_size),
            calling_tsap: opt(c.local.t_selector),
            called_tsap: opt(c.peer.t_selector),
            other_parameters: &[],
            user_data: &[],
        }))
    }

    /// CC echoing the CR's TSAPs.
    pub(super) fn send_cc(&mut self, calling: &[u8], called: &[u8]) -> Result<(), AssocError> {
        self.queue_tpdu(&Tpdu::ConnectionConfirm(Connect {
            dst_ref: self.peer_ref,
            src_ref: self.local_ref,
            class_options: 0,
            credit: 0,
            tpdu_size: Some(self.tpdu_size),
            calling_tsap: opt(calling),
            called_tsap: opt(called),
            other_parameters: &[],
            user_data: &[],
        }))
    }

    pub(super) fn send_dr(&mut self, reason: u8) -> Result<(), AssocError> {
        self.queue_tpdu(&Tpdu::DisconnectRequest(Disconnect {
            dst_ref: self.peer_ref,
            src_ref: self.local_ref,
            reason,
            variable: &[],
            user_data: &[],
            lenient: false,
        }))
    }

    /// Initiate parameters: ours (request) or the negotiated ones (response).
    fn initiate_params(&self) -> Result<InitiateParams<'_>, AssocError> {
        let detail = InitDetail {
            version_number: 1,
            parameter_cbb: BitString::new(&self.config.parameter_cbb, 5)
                .ok_or(AssocError::Config("parameter_cbb"))?,
            services_supported: BitString::new(&self.config.services_supported, 3)
                .ok_or(AssocError::Config("services_supported"))?,
            extension: &[],
        };
        let n = &self.negotiated;
        Ok(match self.role {
            Role::Initiator => InitiateParams {
                local_detail: Some(self.config.max_pdu_size),
                max_serv_outstanding_calling: self.config.max_outstanding,
                max_serv_outstanding_called: self.config.max_outstanding,
                data_structure_nesting_level: Some(self.config.nesting_level),
                detail,
            },
            Role::Responder => InitiateParams {
                local_detail: Some(n.max_pdu_size),
                max_serv_outstanding_calling: n.max_outstanding_calling,
                max_serv_outstanding_called: n.max_outstanding_called,
                data_structure_nesting_level: Some(n.nesting_level),
                detail,
            },
        })
    }

    /// CN + CP (ACSE 1, MMS 3) + AARQ + initiate-RequestPDU; returns whether the CP is
    /// longer than a CN carries (X.225 data overflow: the CN carries its first
    /// 10 240 octets, the rest waits in `scratch` for the OA).
    ///
    /// The AARQ and the CN are encoded in the upper half of `scratch`, the CP in the lower
    /// half, where the part for the CDOs stays.
    pub(super) fn send_cn(&mut self) -> Result<bool, AssocError> {
        let c = self.config;
        let mut b_mms = [0u8; 256];
        let mms = enc(
            &MmsPdu::InitiateRequest(self.initiate_params()?),
            &mut b_mms,
        )?;
        let mut aarq = Aarq::new(MMS_APPLICATION_CONTEXT);
        aarq.protocol_version = BitString::new(&VERSION1, 7);
        aarq.called_ap_title = c.peer.ap_title;
        aarq.called_ae_qualifier = c.peer.ae_qualifier;
        aarq.calling_ap_title = c.local.ap_title;
        aarq.calling_ae_qualifier = c.local.ae_qualifier;
        if let Some(p) = c.password {
            aarq.sender_requirements = BitString::new(&VERSION1, 7);
            aarq.mechanism_name = Some(PASSWORD_MECHANISM);
            aarq.authentication_value = Some(AuthenticationValue::CharString(p));
        }
        aarq.user_information = Some(External::single(MMS_CONTEXT, mms));
        let (cp_buf, tmp) = self.scratch.split_at_mut(BUF / 2);
        let aarq = enc(&Apdu::AssociateRequest(aarq), tmp)?;
        let contexts = [
            ContextDefinition {
                id: ACSE_CONTEXT,
                abstract_syntax: ACSE_ABSTRACT_SYNTAX,
                transfer_syntaxes: SeqOf::from_slice(&BER),
            },
            ContextDefinition {
                id: MMS_CONTEXT,
                abstract_syntax: MMS_ABSTRACT_SYNTAX,
                transfer_syntaxes: SeqOf::from_slice(&BER),
            },
        ];
        let pdvs = pdv(ACSE_CONTEXT, aarq);
        let cp = ConnectPpdu {
            calling_selector: opt(c.local.p_selector),
            called_selector: opt(c.peer.p_selector),
            context_list: Some(SeqOf::from_slice(&contexts)),
            presentation_requirements: BitString::new(&[0], 6),
            user_data: Some(UserData::Fully(SeqOf::from_slice(&pdvs))),
            ..ConnectPpdu::default()
        };
        let max = (BUF / 2).saturating_sub(HEADROOM);
        let len = cp.encoded_len();
        if len > max {
            return Err(AssocError::PduTooLarge { len, max });
        }
        let cp = enc(&cp, cp_buf)?;
        let overflow = cp.len() > MAX_EXTENDED_USER_DATA;
        let (user_data, extended_user_data) = if cp.len() <= MAX_CONNECT_USER_DATA {
            (Some(cp), None)
        } else {
            (None, cp.get(..MAX_EXTENDED_USER_DATA.min(cp.len())))
        };
        let cn = Spdu::Connect(ConnectAccept {
            protocol_options: Some(0),
            version_number: Some(VERSION_2),
            session_requirements: Some(REQUIREMENT_DUPLEX),
            calling_selector: opt(c.local.s_selector),
            called_selector: opt(c.peer.s_selector),
            data_overflow: overflow.then_some(DATA_OVERFLOW_MORE),
            user_data,
            extended_user_data,
            ..ConnectAccept::default()
        });
        let cn = enc(&cn, tmp)?;
        push_tsdu(&mut self.tx, &mut self.tx_len, self.tpdu_size, cn)?;
        self.unsent = if overflow {
            (MAX_EXTENDED_USER_DATA, len)
        } else {
            (0, 0)
        };
        Ok(overflow)
    }

    /// Presentation results for the proposed contexts: ACSE and MMS accepted, any other
    /// rejected (provider reason 2, abstract syntax not supported).
    fn results(
        &self,
    ) -> (
        [ContextResult<'static>; super::classify::MAX_CONTEXTS],
        usize,
    ) {
        let mut out = [ContextResult {
            result: 0,
            transfer_syntax: Some(BER_TRANSFER_SYNTAX),
            provider_reason: None,
        }; super::classify::MAX_CONTEXTS];
        for (r, ok) in out.iter_mut().zip(self.context_ok.iter()) {
            if !ok {
                *r = ContextResult {
                    result: 2,
                    transfer_syntax: None,
                    provider_reason: Some(2),
                };
            }
        }
        (out, self.context_count)
    }

    /// AC + CPA + AARE (accepted) + initiate-ResponsePDU.
    pub(super) fn send_accept(&mut self) -> Result<(), AssocError> {
        let c = self.config;
        let mut b_mms = [0u8; 256];
        let mms = enc(
            &MmsPdu::InitiateResponse(self.initiate_params()?),
            &mut b_mms,
        )?;
        let mut aare = Aare::new(MMS_APPLICATION_CONTEXT, 0, SourceDiagnostic::ServiceUser(0));
        aare.protocol_version = BitString::new(&VERSION1, 7);
        aare.responding_ap_title = c.local.ap_title;
        aare.responding_ae_qualifier = c.local.ae_qualifier;
        aare.user_information = Some(External::single(self.negotiated.mms_context, mms));
        let mut b_aare = [0u8; SETUP];
        let aare = enc(&Apdu::AssociateResponse(aare), &mut b_aare)?;
        let pdvs = pdv(self.acse_context, aare);
        let (results, n) = self.results();
        let cpa = AcceptPpdu {
            responding_selector: opt(c.local.p_selector),
            result_list: Some(SeqOf::from_slice(results.get(..n).unwrap_or(&[]))),
            user_data: Some(UserData::Fully(SeqOf::from_slice(&pdvs))),
            ..AcceptPpdu::default()
        };
        let mut b_cpa = [0u8; SETUP];
        let cpa = enc(&cpa, &mut b_cpa)?;
        let ac = Spdu::Accept(ConnectAccept {
            protocol_options: Some(0),
            version_number: Some(VERSION_2),
            session_requirements: Some(REQUIREMENT_DUPLEX),
            called_selector: opt(c.local.s_selector),
            user_data: Some(cpa),
            ..ConnectAccept::default()
        });
        let mut b_ac = [0u8; SETUP];
        let ac = enc(&ac, &mut b_ac)?;
        self.queue_tsdu(ac)
    }

    /// The refusal `how` (DR, RF, or RF + CPR + AARE rejected [+ initiate-ErrorPDU]).
    pub(super) fn send_refusal(&mut self, how: Refusal) -> Result<(), AssocError> {
        let (result, diagnostic, error) = match how {
            Refusal::Transport { reason } => return self.send_dr(reason),
            Refusal::Session { reason } => {
                let rf = Spdu::Refuse(Refuse {
                    transport_disconnect: Some(1),
                    version_number: Some(VERSION_2),
                    reason: Some(&[reason]),
                    ..Refuse::default()
                });
                let mut b = [0u8; 32];
                let rf = enc(&rf, &mut b)?;
                return self.queue_tsdu(rf);
            }
            Refusal::Acse { result, diagnostic } => (result, diagnostic, None),
            Refusal::Initiate { error_class } => (
                1,
                Some(SourceDiagnostic::ServiceUser(1)),
                Some(ServiceError::new(error_class)),
            ),
        };
        let c = self.config;
        let mut b_mms = [0u8; 64];
        let mut aare = Aare::new(
            MMS_APPLICATION_CONTEXT,
            result,
            SourceDiagnostic::ServiceUser(1),
        );
        aare.result_source_diagnostic = diagnostic;
        aare.protocol_version = BitString::new(&VERSION1, 7);
        aare.responding_ap_title = c.local.ap_title;
        aare.responding_ae_qualifier = c.local.ae_qualifier;
        if let Some(e) = error {
            let mms = enc(&MmsPdu::InitiateError(e), &mut b_mms)?;
            aare.user_information = Some(External::single(self.negotiated.mms_context, mms));
        }
        let mut b_aare = [0u8; SETUP];
        let aare = enc(&Apdu::AssociateResponse(aare), &mut b_aare)?;
        let pdvs = pdv(self.acse_context, aare);
        let (results, n) = self.results();
        let cpr = RefusePpdu {
            responding_selector: opt(c.local.p_selector),
            result_list: Some(SeqOf::from_slice(results.get(..n).unwrap_or(&[]))),
            user_data: Some(UserData::Fully(SeqOf::from_slice(&pdvs))),
            ..RefusePpdu::default()
        };
        // RF reason: 2 (rejected by the SS-user) followed by the CPR.
        let mut b_cpr = [0u8; SETUP];
        let n = cpr.encode(b_cpr.get_mut(1..).unwrap_or(&mut []))?;
        if let Some(first) = b_cpr.first_mut() {
            *first = 2;
        }
        let reason = b_cpr.get(..n.saturating_add(1)).unwrap_or(&[]);
        let rf = Spdu::Refuse(Refuse {
            transport_disconnect: Some(1),
            version_number: Some(VERSION_2),
            reason: Some(reason),
            ..Refuse::default()
        });
        let mut b_rf = [0u8; SETUP];
        let rf = enc(&rf, &mut b_rf)?;
        self.queue_tsdu(rf)
    }

    /// FN + RLRQ (`response == false`) or DN + RLRE.
    pub(super) fn send_release(&mut self, response: bool) -> Result<(), AssocError> {
        let r = ReleaseApdu {
            reason: Some(0),
            user_information: None,
        };
        let apdu = if response {
            Apdu::ReleaseResponse(r)
        } else {
            Apdu::ReleaseRequest(r)
        };
        let mut b_apdu = [0u8; 32];
        let apdu = enc(&apdu, &mut b_apdu)?;
        let pdvs = pdv(self.acse_context, apdu);
        let mut b_ud = [0u8; 64];
        let ud = enc(&UserData::Fully(SeqOf::from_slice(&pdvs)), &mut b_ud)?;
        let rel = Release {
            transport_disconnect: (!response).then_some(1),
            reflect: None,
            user_data: Some(ud),
        };
        let spdu = if response {
            Spdu::Disconnect(rel)
        } else {
            Spdu::Finish(rel)
        };
        let mut b = [0u8; 96];
        let spdu = enc(&spdu, &mut b)?;
        self.queue_tsdu(spdu)
    }

    /// AB + ARU + ABRT with abort-source `source` (0 user, 1 provider).
    pub(super) fn send_abort(&mut self, source: i64) -> Result<(), AssocError> {
        let abrt = Apdu::Abort(AbortApdu {
            source,
            diagnostic: None,
            user_information: None,
        });
        let mut b_apdu = [0u8; 32];
        let apdu = enc(&abrt, &mut b_apdu)?;
        let pdvs = pdv(self.acse_context, apdu);
        let aru = AbortUserPpdu {
            context_id_list: None,
            user_data: Some(UserData::Fully(SeqOf::from_slice(&pdvs))),
        };
        let mut b_aru = [0u8; 64];
        let aru = enc(&aru, &mut b_aru)?;
        // Transport disconnect: released (bit 1) + user abort (bit 2) or protocol error (3).
        let td = if source == 0 { 0b011 } else { 0b101 };
        let ab = Spdu::Abort(Release {
            transport_disconnect: Some(td),
            reflect: None,
            user_data: Some(aru),
        });
        let mut b = [0u8; 96];
        let ab = enc(&ab, &mut b)?;
        self.queue_tsdu(ab)
    }
}
