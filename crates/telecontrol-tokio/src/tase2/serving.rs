//! A serving [`Tase2Client`](super::Tase2Client)'s station side: the pump of the one
//! association it serves (the station as an MMS directory that wakes the pump is the
//! core's [`WakingDirectory`](tase2_transfer_sets::station::WakingDirectory)).

use std::sync::Arc;

use tase2_transfer_sets::station::{StationEvent, Tase2Station};
use tokio::sync::{Notify, mpsc};
use tokio::task::JoinHandle;

use super::clock;
use crate::mms::MmsAssociation;

/// A client association's server role: the station and the task pumping its reports and
/// messages onto the association.
pub(crate) struct Serving {
    pub(crate) events: mpsc::UnboundedReceiver<StationEvent>,
    pump: JoinHandle<()>,
}

impl Serving {
    /// Pump `station`'s PDUs for `association` (those for other associations are
    /// dropped: the station serves this association only) and its events.
    pub(crate) fn start(
        association: MmsAssociation,
        station: Arc<Tase2Station>,
        wake: Arc<Notify>,
    ) -> Self {
        let (tx, events) = mpsc::unbounded_channel();
        let pump = tokio::spawn(pump(association, station, wake, tx));
        Serving { events, pump }
    }
}

impl Drop for Serving {
    fn drop(&mut self) {
        self.pump.abort();
    }
}

async fn pump(
    association: MmsAssociation,
    station: Arc<Tase2Station>,
    wake: Arc<Notify>,
    events: mpsc::UnboundedSender<StationEvent>,
) {
    let now = clock();
    let mut out = Vec::new();
    loop {
        let send = |pdu: &[u8]| association.send_unconfirmed_pdu(pdu);
        station.drain_for(association.id(), &now, &mut out, send, |e| events.send(e));
        if association.is_closed() {
            return;
        }
        let sleep = station.poll_timeout().map(|d| {
            let wait = d.saturating_duration_since(now());
            let at = tokio::time::Instant::now();
            at.checked_add(wait).unwrap_or(at)
        });
        tokio::select! {
            () = wake.notified() => {}
            () = async {
                match sleep {
                    Some(at) => tokio::time::sleep_until(at).await,
                    None => std::future::pending().await,
                }
            } => {}
        }
    }
}
