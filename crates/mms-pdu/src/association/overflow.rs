//! The session data overflow procedure (ISO 8327-1 / X.225 7.1-7.3, 8.3.1.18, 8.3.15,
//! 8.3.16) for connect user data longer than the 10 240 octets a CN carries.
//!
//! Initiator: the CN carries data overflow `1` and the first 10 240 octets of the CP as
//! extended user data; on OVERFLOW ACCEPT the rest goes in CONNECT DATA OVERFLOW SPDUs of
//! at most 10 240 octets, the enclosure item marking the last; then the AC (or RF) is
//! awaited as usual. Responder: a CN with data overflow is answered with OA; each CDO's
//! user data is gathered behind the CN's in the TSDU buffer (so the whole CP is bounded by
//! `BUF`: longer is refused with RF reason 134 and
//! [`ProtocolError::ConnectDataTooLong`]); the last one completes the CP, which is then
//! processed as if it had come in the CN. The connect timeout bounds each wait (OA, the
//! CDOs).

use telecontrol_core::{Decode, Instant};

use super::classify::{classify_connect, offset_in};
use super::send::{enc, push_tsdu};
use super::{Association, CloseReason, ProtocolError, Refusal, State};
use crate::session::{
    ConnectDataOverflow, ENCLOSURE_END, MAX_EXTENDED_USER_DATA, OverflowAccept, Spdu, VERSION_2,
};
use crate::stack::StackError;

/// Session RF reason: implementation restriction stated in the PICS (X.225 8.3.3.2).
pub(super) const REASON_RESTRICTION: u8 = 134;

/// Most user data octets in one CDO we send.
pub(super) const CDO_CHUNK: usize = MAX_EXTENDED_USER_DATA;

impl<const BUF: usize, const OUT: usize> Association<'_, BUF, OUT> {
    /// Responder: a CN with data overflow whose first part lies at `tsdu[start..end]`:
    /// keep that part at the front of the TSDU buffer, answer OA, gather CDOs.
    pub(super) fn start_gathering(&mut self, now: Instant, start: usize, end: usize) {
        if start > end || end > self.tsdu_len {
            return self.fail(ProtocolError::Unexpected("CN user data"));
        }
        self.tsdu.copy_within(start..end, 0);
        let len = end.saturating_sub(start);
        self.gathered = len;
        self.tsdu_len = len;
        let oa = Spdu::OverflowAccept(OverflowAccept {
            tsdu_max_size: None,
            version_number: Some(VERSION_2),
        });
        let mut b = [0u8; 16];
        let sent = enc(&oa, &mut b).and_then(|oa| self.queue_tsdu(oa));
        if sent.is_err() {
            return self.fail(ProtocolError::Unexpected("no room for OA"));
        }
        self.state = State::AwaitCdo;
        self.deadline = Some(now.saturating_add(self.config.connect_timeout));
    }

    /// Responder: one CDO reassembled at `tsdu[gathered..tsdu_len]`.
    pub(super) fn process_cdo(&mut self, now: Instant) {
        let base = self.gathered;
        let bytes = self.tsdu.get(base..self.tsdu_len).unwrap_or(&[]);
        let (from, len, last) = match Spdu::decode(bytes) {
            Ok(Spdu::ConnectDataOverflow(cdo)) => {
                let data = cdo.user_data.unwrap_or(&[]);
                match offset_in(bytes, data) {
                    Some(off) => (base.saturating_add(off), data.len(), cdo.is_end()),
                    None => return self.fail(ProtocolError::Unexpected("CDO user data")),
                }
            }
            Ok(Spdu::Abort(_) | Spdu::AbortAccept) => return self.close(CloseReason::PeerAbort),
            Ok(_) => return self.fail(ProtocolError::Unexpected("session SPDU instead of CDO")),
            Err(e) => return self.fail(ProtocolError::Stack(StackError::Session(e))),
        };
        self.tsdu.copy_within(from..from.saturating_add(len), base);
        self.gathered = base.saturating_add(len);
        self.tsdu_len = self.gathered;
        if last {
            let cp = self.tsdu.get(..self.gathered).unwrap_or(&[]);
            let action = classify_connect(cp, (0, self.gathered));
            self.gathered = 0;
            self.apply(now, action);
        } else {
            self.deadline = Some(now.saturating_add(self.config.connect_timeout));
        }
    }

    /// Responder: the connect user data does not fit: refuse (RF, implementation
    /// restriction) and close.
    pub(super) fn refuse_overlong(&mut self) {
        self.gathered = 0;
        self.tsdu_len = 0;
        let _ = self.send_refusal(Refusal::Session {
            reason: REASON_RESTRICTION,
        });
        self.close(CloseReason::Protocol(ProtocolError::ConnectDataTooLong {
            max: BUF,
        }));
    }

    /// Initiator: the OA came: send the rest of the CP in CDOs, then await the AC.
    pub(super) fn send_overflow(&mut self, now: Instant) {
        let (start, end) = self.unsent;
        self.unsent = (0, 0);
        let (cp, tmp) = self.scratch.split_at_mut(BUF / 2);
        let rest = cp.get(start..end).unwrap_or(&[]);
        let mut chunks = rest.chunks(CDO_CHUNK).peekable();
        let mut sent = Ok(());
        while let Some(chunk) = chunks.next() {
            let cdo = Spdu::ConnectDataOverflow(ConnectDataOverflow {
                enclosure: Some(if chunks.peek().is_none() {
                    ENCLOSURE_END
                } else {
                    0
                }),
                user_data: Some(chunk),
            });
            sent = enc(&cdo, tmp)
                .and_then(|b| push_tsdu(&mut self.tx, &mut self.tx_len, self.tpdu_size, b));
            if sent.is_err() {
                break;
            }
        }
        if sent.is_err() {
            let _ = self.send_abort(0);
            return self.close(CloseReason::LocalAbort);
        }
        self.state = State::AwaitAc;
        self.deadline = Some(now.saturating_add(self.config.connect_timeout));
    }
}
