//! A serving [`Tase2Client`](super::Tase2Client)'s station side: the pump thread of the one
//! association it serves (the station as an MMS directory that wakes the pump is the
//! core's [`WakingDirectory`]).

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, mpsc};
use std::thread::JoinHandle;

#[cfg(doc)]
use tase2_transfer_sets::station::WakingDirectory;
use tase2_transfer_sets::station::{StationEvent, Tase2Station};

use super::clock;
use crate::mms::MmsAssociation;

/// A client association's server role: the station and the thread pumping its reports
/// and messages onto the association.
pub(crate) struct Serving {
    wake: Mutex<mpsc::Sender<()>>,
    stop: Arc<AtomicBool>,
    pub(crate) events: mpsc::Receiver<StationEvent>,
    pump: Option<JoinHandle<()>>,
}

impl Serving {
    /// The waker to give the station's [`WakingDirectory`] and the receiving end for [`Serving::start`].
    pub(crate) fn waker() -> (mpsc::Sender<()>, mpsc::Receiver<()>) {
        mpsc::channel()
    }

    /// Pump `station`'s PDUs for `association` (those for other associations are
    /// dropped: the station serves this association only) and its events.
    ///
    /// # Errors
    /// The thread could not be started.
    pub(crate) fn start(
        association: MmsAssociation,
        station: Arc<Tase2Station>,
        wake: mpsc::Sender<()>,
        woken: mpsc::Receiver<()>,
    ) -> std::io::Result<Self> {
        let (tx, events) = mpsc::channel();
        let stop = Arc::new(AtomicBool::new(false));
        let pump = {
            let stop = Arc::clone(&stop);
            std::thread::Builder::new()
                .name("tase2-serve".into())
                .spawn(move || pump(&association, &station, &stop, &woken, &tx))?
        };
        Ok(Serving {
            wake: Mutex::new(wake),
            stop,
            events,
            pump: Some(pump),
        })
    }

    fn wake(&self) {
        if let Ok(w) = self.wake.lock() {
            let _ = w.send(());
        }
    }
}

impl Drop for Serving {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        self.wake();
        if let Some(t) = self.pump.take() {
            let _ = t.join();
        }
    }
}

fn pump(
    association: &MmsAssociation,
    station: &Tase2Station,
    stop: &AtomicBool,
    woken: &mpsc::Receiver<()>,
    events: &mpsc::Sender<StationEvent>,
) {
    let now = clock();
    let mut out = Vec::new();
    while !stop.load(Ordering::SeqCst) {
        let send = |pdu: &[u8]| association.send_unconfirmed_pdu(pdu);
        station.drain_for(association.id(), &now, &mut out, send, |e| events.send(e));
        if association.is_closed() {
            return;
        }
        let woke = match station.poll_timeout() {
            Some(d) => !matches!(
                woken.recv_timeout(d.saturating_duration_since(now())),
                Err(mpsc::RecvTimeoutError::Disconnected)
            ),
            None => woken.recv().is_ok(),
        };
        if !woke {
            return;
        }
        while woken.try_recv().is_ok() {}
    }
}
