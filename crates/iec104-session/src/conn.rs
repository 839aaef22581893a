//! The per-connection step both adapters run (feature `std`): [`ServerConn`] joins an
//! [`OutstationLink`] to its group behind a mutex and runs the application's handler outside
//! that lock; [`ClientConn`] joins a [`MasterLink`] to the waiting callers. The adapters only
//! move octets between these and sockets and sleep until [`ServerConn::deadline`] /
//! [`ClientConn::deadline`].

extern crate std;

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::vec::Vec;

use iec104_apci::{ApciConfig, ConfigError, DtState, InputError, MAX_APDU_LEN};
use station::asdu::{Coi, CommonAddress, InfoObject};
use station::{
    CommandAction, CommandAnswer, CommandHandle, CommandRequest, Completion, Event, RequestId,
    RequestResult,
};
use telecontrol_core::Instant;

use crate::shared::{
    ClientConfig, ClientError, ClientEvent, CommandHandler, ReceivedAsdu, Request, ReturnInfo,
    ServerGroup, Termination,
};
use crate::{LinkEvent, LinkId, MasterInput, MasterLink, MasterLinkEvent, OutstationLink};

/// What the driver of a [`ServerConn`] must do after a step.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Next {
    /// Keep going.
    Continue,
    /// Wake the driver of this other connection of the group (it lost the active role).
    Wake(LinkId),
    /// The connection is over: write the remaining output, close the socket, stop.
    Close,
}

/// One server connection: the link, its group, pending output octets and the station events
/// to hand to the application.
#[derive(Debug)]
pub struct ServerConn {
    link: OutstationLink,
    group: Arc<Mutex<ServerGroup>>,
    out: Vec<u8>,
    station_events: Vec<Event>,
    link_events: Vec<LinkEvent>,
    relay: Vec<(CommonAddress, ReturnInfo)>,
    init: Option<(Arc<AtomicBool>, Coi)>,
    /// Accepted executes whose termination waits ([`Termination::After`]).
    terminations: Vec<(Instant, CommandHandle)>,
}

fn lock(group: &Mutex<ServerGroup>) -> MutexGuard<'_, ServerGroup> {
    group.lock().unwrap_or_else(PoisonError::into_inner)
}

impl ServerConn {
    /// A connection accepted at `now` into `group`.
    ///
    /// # Errors
    /// [`ConfigError`] if `apci.k()` exceeds the link's capacity (12).
    pub fn new(
        id: LinkId,
        apci: ApciConfig,
        group: Arc<Mutex<ServerGroup>>,
        now: Instant,
    ) -> Result<Self, ConfigError> {
        Ok(ServerConn {
            link: OutstationLink::new(id, apci, now)?,
            group,
            out: Vec::new(),
            station_events: Vec::new(),
            link_events: Vec::new(),
            relay: Vec::new(),
            init: None,
            terminations: Vec::new(),
        })
    }

    /// When this connection starts data transfer and `done` is still false, set it and queue
    /// end of initialisation (M_EI_NA_1 with `coi`) for every served common address: all
    /// connections of a server share one `done`, so only the first data transfer after the
    /// server's start gets it (see [`crate::registry::Registry::arm`]).
    pub fn set_end_of_initialisation(&mut self, done: Arc<AtomicBool>, coi: Coi) {
        self.init = Some((done, coi));
    }

    /// The link's id.
    #[must_use]
    pub fn id(&self) -> LinkId {
        self.link.id()
    }

    /// Received octets (all are consumed).
    pub fn input(&mut self, now: Instant, mut bytes: &[u8]) {
        let group = Arc::clone(&self.group);
        let mut g = lock(&group);
        while !bytes.is_empty() {
            let used = match self.link.handle_input(now, bytes, &mut g) {
                Ok(n) => n,
                Err(InputError::Closed) | Err(_) => break,
            };
            self.collect(now, &mut g);
            bytes = bytes.get(used..).unwrap_or(&[]);
        }
        self.collect(now, &mut g);
    }

    /// A deadline passed (or the driver was woken): run timers, move station output.
    pub fn timeout(&mut self, now: Instant) {
        let group = Arc::clone(&self.group);
        let mut g = lock(&group);
        self.link.handle_timeout(now, &mut g);
        let (due, later): (Vec<_>, Vec<_>) =
            self.terminations.drain(..).partition(|(at, _)| *at <= now);
        self.terminations = later;
        for (_, handle) in due {
            if g.station_mut().terminate_command(handle).is_err() {
                tracing::debug!(
                    handle = handle.0,
                    "command gone before its late termination"
                );
            }
        }
        self.collect(now, &mut g);
    }

    /// When to call [`ServerConn::timeout`].
    #[must_use]
    pub fn deadline(&self) -> Option<Instant> {
        let g = lock(&self.group);
        let late = self.terminations.iter().map(|(at, _)| *at).min();
        telecontrol_core::earliest(self.link.poll_timeout(&g), late)
    }

    /// Octets to write to the socket, in order.
    pub fn take_output(&mut self) -> Vec<u8> {
        core::mem::take(&mut self.out)
    }

    /// True if octets wait for the socket.
    #[must_use]
    pub fn has_output(&self) -> bool {
        !self.out.is_empty()
    }

    /// Hand the pending station events to `handler` **with no lock held**, then answer the
    /// station under the group lock; returns what the driver must do next. An accepted
    /// execute is terminated at once after its confirmation, or after its
    /// [`CommandHandler::return_information`] if there is some (its objects then also wait in
    /// [`ServerConn::take_relay`] for the other groups).
    pub fn dispatch(&mut self, now: Instant, handler: &dyn CommandHandler) -> Next {
        let events = core::mem::take(&mut self.station_events);
        let mut answers = Vec::new();
        for e in events {
            match e {
                Event::Command(request) => {
                    if !handler.answers(&request) {
                        tracing::debug!(handle = request.handle.0, "command left unanswered");
                        continue;
                    }
                    let answer = handler.command(&request);
                    let executes = matches!(
                        request.action,
                        CommandAction::Execute | CommandAction::DirectExecute
                    );
                    let (info, termination) = if executes && answer != CommandAnswer::Reject {
                        (
                            handler.return_information(&request),
                            handler.termination(&request),
                        )
                    } else {
                        (Vec::new(), Termination::Immediate)
                    };
                    answers.push((request, answer, info, termination));
                }
                Event::ClockSync { ca, time } => handler.clock_sync(ca, time),
                Event::ResetProcess { ca, qrp } => handler.reset_process(ca, qrp),
                _ => {}
            }
        }
        if !answers.is_empty() {
            let group = Arc::clone(&self.group);
            let mut g = lock(&group);
            for (request, answer, info, termination) in answers {
                let st = g.station_mut();
                let executes = matches!(
                    request.action,
                    CommandAction::Execute | CommandAction::DirectExecute
                );
                if !info.is_empty() {
                    self.answer_with_return_information(st, &request, &info, termination, now);
                    continue;
                }
                let answer = match (answer, executes, termination) {
                    (CommandAnswer::Reject, _, _) => CommandAnswer::Reject,
                    (_, true, Termination::Immediate) => CommandAnswer::AcceptAndTerminate,
                    (_, true, _) => CommandAnswer::Accept,
                    (a, false, _) => a,
                };
                if st.answer_command(request.handle, answer).is_err() {
                    tracing::debug!(
                        handle = request.handle.0,
                        "command vanished before its answer"
                    );
                    continue;
                }
                if answer == CommandAnswer::Accept && executes {
                    self.schedule_termination(request.handle, termination, now);
                }
            }
            self.collect(now, &mut g);
        }
        let mut next = Next::Continue;
        for e in core::mem::take(&mut self.link_events) {
            match e {
                LinkEvent::Activated {
                    replaced: Some(other),
                } => next = Next::Wake(other),
                LinkEvent::Closed(reason) => {
                    tracing::debug!(id = self.link.id().0, %reason, "104 connection closed");
                    return Next::Close;
                }
                LinkEvent::Replaced => return Next::Close,
                _ => {}
            }
        }
        if self.link.is_closed() {
            return Next::Close;
        }
        next
    }

    /// Return information sent on this connection that the other groups should get as events
    /// (see [`crate::registry::Registry::relay`]).
    pub fn take_relay(&mut self) -> Vec<(CommonAddress, ReturnInfo)> {
        core::mem::take(&mut self.relay)
    }

    /// The outstation (group) this connection serves.
    #[must_use]
    pub fn group(&self) -> &Arc<Mutex<ServerGroup>> {
        &self.group
    }

    /// Remember a late termination ([`Termination::After`]); `Never` forgets the command.
    fn schedule_termination(&mut self, handle: CommandHandle, t: Termination, now: Instant) {
        if let Termination::After(d) = t {
            self.terminations.push((now.saturating_add(d), handle));
        }
    }

    fn answer_with_return_information(
        &mut self,
        st: &mut crate::shared::ServerStation,
        request: &CommandRequest,
        info: &[ReturnInfo],
        termination: Termination,
        now: Instant,
    ) {
        if st
            .answer_command(request.handle, CommandAnswer::Accept)
            .is_err()
        {
            tracing::debug!(
                handle = request.handle.0,
                "command vanished before its answer"
            );
            return;
        }
        for r in info {
            let object = [InfoObject::new(r.ioa, r.value)];
            if let Err(e) = st.queue_response(request.ca, r.cause, &object) {
                tracing::warn!(%e, ioa = r.ioa.value(), "return information not sent");
            }
            self.relay.push((request.ca, *r));
        }
        if termination != Termination::Immediate {
            self.schedule_termination(request.handle, termination, now);
            return;
        }
        if st.terminate_command(request.handle).is_err() {
            tracing::debug!(
                handle = request.handle.0,
                "command gone before its termination"
            );
        }
    }

    /// True if station events wait for [`ServerConn::dispatch`].
    #[must_use]
    pub fn has_events(&self) -> bool {
        !self.station_events.is_empty() || !self.link_events.is_empty()
    }

    /// Close the connection (graceful shutdown): output then holds nothing more to send.
    pub fn close(&mut self) {
        self.link.close();
        let group = Arc::clone(&self.group);
        let mut g = lock(&group);
        self.link.release(&mut g);
    }

    /// The socket is gone: requeue this link's unacknowledged events if it was active.
    pub fn release(&mut self) {
        let group = Arc::clone(&self.group);
        let mut g = lock(&group);
        self.link.release(&mut g);
    }

    fn collect(&mut self, now: Instant, g: &mut ServerGroup) {
        self.take_link_events(g);
        self.flush(now, g);
        if g.active() == Some(self.link.id()) {
            while let Some(e) = g.station_mut().poll_event() {
                self.station_events.push(e);
            }
        }
        if self.take_link_events(g) {
            self.flush(now, g);
        }
    }

    fn flush(&mut self, now: Instant, g: &mut ServerGroup) {
        self.link.fill(now, g);
        let mut buf = [0u8; 4 * MAX_APDU_LEN];
        while let Some(n) = self.link.poll_transmit(&mut buf) {
            self.out.extend_from_slice(buf.get(..n).unwrap_or(&[]));
            self.link.fill(now, g);
        }
    }

    /// Move the link's events; true if end of initialisation was queued.
    fn take_link_events(&mut self, g: &mut ServerGroup) -> bool {
        let mut queued = false;
        while let Some(e) = self.link.poll_event() {
            if matches!(e, LinkEvent::Activated { .. }) {
                queued |= self.initialise(g);
            }
            self.link_events.push(e);
        }
        queued
    }

    fn initialise(&mut self, g: &mut ServerGroup) -> bool {
        let Some((done, coi)) = &self.init else {
            return false;
        };
        if done.swap(true, Ordering::SeqCst) {
            return false;
        }
        match g.station_mut().end_of_initialisation(*coi) {
            Ok(()) => true,
            Err(e) => {
                tracing::warn!(%e, "end of initialisation not sent");
                done.store(false, Ordering::SeqCst);
                false
            }
        }
    }
}

/// What a caller waiting in [`ClientConn::set_data_transfer`] gets.
pub type DataTransferResult = Result<(), ClientError>;

/// One client connection: the master link, the callers waiting for their requests (each
/// with a reply handle `P` of the adapter's choosing), the callers waiting for STARTDT or
/// STOPDT (reply handles `W`) and the events for the application.
///
/// Data transfer (IEC 60870-5-104 clause 5.3) follows a wish, [`ClientConn::wants_started`]:
/// whenever the link is in a settled state (stopped or started, no act awaiting its con) and
/// differs from the wish, the matching act is sent. A standby connection of a redundancy
/// group (clause 10.3) is one that wishes to stay stopped: TESTFR and S frames only.
#[derive(Debug)]
pub struct ClientConn<P, W = P> {
    link: MasterLink,
    pending: HashMap<RequestId, P>,
    params: station::asdu::AsduParams,
    out: Vec<u8>,
    started: bool,
    want_started: bool,
    /// Callers of [`ClientConn::set_data_transfer`] and the state each wished.
    dt_waiting: Vec<(bool, W)>,
    dt_done: Vec<(W, DataTransferResult)>,
}

impl<P, W> ClientConn<P, W> {
    /// A TCP connection opened at `now`; STARTDT act is queued.
    ///
    /// # Errors
    /// [`ConfigError`] if `config.apci.k()` exceeds the link's capacity (12).
    pub fn new(config: &ClientConfig, now: Instant) -> Result<Self, ConfigError> {
        Self::with_data_transfer(config, true, now)
    }

    /// A TCP connection opened at `now`: with `start`, STARTDT act is queued; without, the
    /// connection stays stopped (a standby connection) until
    /// [`ClientConn::set_data_transfer`] asks for data transfer.
    ///
    /// # Errors
    /// [`ConfigError`] if `config.apci.k()` exceeds the link's capacity (12).
    pub fn with_data_transfer(
        config: &ClientConfig,
        start: bool,
        now: Instant,
    ) -> Result<Self, ConfigError> {
        let master = station::Master::new(config.master);
        let link = MasterLink::new(config.apci, master, now)?;
        let mut conn = ClientConn {
            link,
            pending: HashMap::new(),
            params: config.master.params,
            out: Vec::new(),
            started: false,
            want_started: start,
            dt_waiting: Vec::new(),
            dt_done: Vec::new(),
        };
        conn.reconcile(now);
        conn.collect(now);
        Ok(conn)
    }

    /// Ask for data transfer started (`start`, STARTDT act) or stopped (STOPDT act: the
    /// server stops sending new I frames, the ones still arriving are acknowledged at once,
    /// then STOPDT con). `waiter` gets `Ok` in [`ClientConn::take_data_transfer_done`] once
    /// the server confirmed the wished state (at once if it already holds). A stop is also
    /// `Ok` when the connection ends first (no data transfer runs then either); a start then
    /// fails with [`ClientError::ConnectionLost`], and a wish overtaken by an opposite one
    /// with [`ClientError::NotConnected`] once the link settles in the other state. The wish
    /// stays with this connection: requests are refused while it is stopped.
    pub fn set_data_transfer(&mut self, now: Instant, start: bool, waiter: W) {
        self.want_started = start;
        self.dt_waiting.push((start, waiter));
        self.reconcile(now);
        self.collect(now);
    }

    /// The state data transfer should reach (and is driven to).
    #[must_use]
    pub fn wants_started(&self) -> bool {
        self.want_started
    }

    /// Callers of [`ClientConn::set_data_transfer`] whose wait ended, with the outcome.
    pub fn take_data_transfer_done(&mut self) -> Vec<(W, DataTransferResult)> {
        core::mem::take(&mut self.dt_done)
    }

    /// Received octets (all are consumed); ASDUs and state changes go to `events`, finished
    /// requests to `done`.
    pub fn input(
        &mut self,
        now: Instant,
        mut bytes: &[u8],
        events: &mut Vec<ClientEvent>,
        done: &mut Vec<(P, Result<RequestResult, ClientError>)>,
    ) {
        let params = self.params;
        while !bytes.is_empty() {
            let started = &mut self.started;
            let mut undecodable = false;
            let used = self.link.handle_input(now, bytes, |input| match input {
                MasterInput::Asdu(raw, Ok(r)) => events.push(ClientEvent::Asdu(ReceivedAsdu::new(
                    r.kind, &r.view, raw, params,
                ))),
                MasterInput::Asdu(_, Err(e)) => {
                    tracing::warn!(%e, "undecodable ASDU from the server: closing unacknowledged");
                    undecodable = true;
                }
                MasterInput::Event(e) => link_event(started, e, events),
            });
            if undecodable {
                // The APCI layer counted the I frame, but its ASDU was not delivered: close
                // before any acknowledgement is drained, so the server keeps the event and
                // sends it again on the next connection instead of deleting it.
                self.link.close();
                break;
            }
            let Ok(used) = used else { break };
            self.reconcile(now);
            self.collect(now);
            bytes = bytes.get(used..).unwrap_or(&[]);
        }
        self.collect(now);
        self.finish(now, events, done);
    }

    /// A deadline passed: run timers.
    pub fn timeout(
        &mut self,
        now: Instant,
        events: &mut Vec<ClientEvent>,
        done: &mut Vec<(P, Result<RequestResult, ClientError>)>,
    ) {
        self.link.handle_timeout(now);
        self.collect(now);
        self.finish(now, events, done);
    }

    /// When to call [`ClientConn::timeout`].
    #[must_use]
    pub fn deadline(&self) -> Option<Instant> {
        self.link.poll_timeout()
    }

    /// Submit a request; `reply` is returned with the result when it completes.
    ///
    /// # Errors
    /// The reply handle back with [`ClientError::NotConnected`] before STARTDT con, or
    /// [`ClientError::Refused`] from the master.
    pub fn submit(
        &mut self,
        now: Instant,
        request: &Request,
        completion: Completion,
        reply: P,
    ) -> Result<(), (P, ClientError)> {
        if !self.started {
            return Err((reply, ClientError::NotConnected));
        }
        match request.submit(self.link.master_mut(), now, completion) {
            Ok(id) => {
                self.pending.insert(id, reply);
                self.collect(now);
                Ok(())
            }
            Err(e) => Err((reply, ClientError::Refused(e))),
        }
    }

    /// True once data transfer started.
    #[must_use]
    pub fn is_started(&self) -> bool {
        self.started
    }

    /// True once the connection closed.
    #[must_use]
    pub fn is_closed(&self) -> bool {
        self.link.is_closed()
    }

    /// Octets to write to the socket.
    pub fn take_output(&mut self) -> Vec<u8> {
        core::mem::take(&mut self.out)
    }

    /// Close the connection.
    pub fn close(&mut self) {
        self.link.close();
    }

    /// The connection is over: every waiting caller gets `error`.
    ///
    /// The callers waiting for STARTDT get `error` too, those waiting for STOPDT `Ok` (no
    /// data transfer runs without a connection); both in
    /// [`ClientConn::take_data_transfer_done`].
    pub fn fail_all(
        &mut self,
        error: &ClientError,
    ) -> Vec<(P, Result<RequestResult, ClientError>)> {
        self.started = false;
        for (start, w) in self.dt_waiting.drain(..) {
            let r = if start { Err(error.clone()) } else { Ok(()) };
            self.dt_done.push((w, r));
        }
        self.pending
            .drain()
            .map(|(_, p)| (p, Err(error.clone())))
            .collect()
    }

    /// Send the act that moves a settled link toward the wish, and answer the callers whose
    /// wished state holds (or was overtaken by the opposite wish and the other state holds).
    fn reconcile(&mut self, now: Instant) {
        if self.link.is_closed() {
            return;
        }
        let state = self.link.connection().state();
        // A settled link with no act pending cannot refuse the act that leaves its state.
        match (state, self.want_started) {
            (DtState::Stopped, true) => {
                let _ = self.link.start_dt(now);
            }
            (DtState::Started, false) => {
                let _ = self.link.stop_dt(now);
            }
            _ => {}
        }
        let settled = match self.link.connection().state() {
            DtState::Started => Some(true),
            DtState::Stopped => Some(false),
            DtState::StartPending | DtState::StopPending => None,
        };
        let Some(now_started) = settled else { return };
        let want = self.want_started;
        let mut keep = Vec::new();
        for (start, w) in self.dt_waiting.drain(..) {
            if start == now_started {
                self.dt_done.push((w, Ok(())));
            } else if start != want {
                self.dt_done.push((w, Err(ClientError::NotConnected)));
            } else {
                keep.push((start, w));
            }
        }
        self.dt_waiting = keep;
    }

    fn collect(&mut self, now: Instant) {
        self.link.fill(now);
        let mut buf = [0u8; 4 * MAX_APDU_LEN];
        while let Some(n) = self.link.poll_transmit(&mut buf) {
            self.out.extend_from_slice(buf.get(..n).unwrap_or(&[]));
            self.link.fill(now);
        }
    }

    fn finish(
        &mut self,
        now: Instant,
        events: &mut Vec<ClientEvent>,
        done: &mut Vec<(P, Result<RequestResult, ClientError>)>,
    ) {
        while let Some(e) = self.link.poll_event() {
            link_event(&mut self.started, e, events);
        }
        self.reconcile(now);
        self.collect(now);
        while let Some(r) = self.link.master_mut().poll_event() {
            if let Some(p) = self.pending.remove(&r.id) {
                done.push((p, Ok(r)));
            }
        }
    }
}

fn link_event(started: &mut bool, e: MasterLinkEvent, events: &mut Vec<ClientEvent>) {
    match e {
        MasterLinkEvent::Started => {
            *started = true;
            events.push(ClientEvent::Started);
        }
        MasterLinkEvent::Stopped => *started = false,
        MasterLinkEvent::Closed(reason) => {
            *started = false;
            tracing::debug!(%reason, "104 client connection closed");
        }
    }
}
