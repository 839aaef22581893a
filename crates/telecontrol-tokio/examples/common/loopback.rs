//! What the loopback examples (loopback104, tls104) share: the common address, a server
//! that refuses commands, a database of 30 M_ME_NC_1 points, and a producer thread.

use std::time::Duration;

use telecontrol_tokio::asdu::{CommonAddress, InfoObject, Ioa, Qds, Quality, Value};
use telecontrol_tokio::{CommandAnswer, CommandRequest, Database, Point};

pub const CA: CommonAddress = CommonAddress(1);

pub fn reject(_: &CommandRequest) -> CommandAnswer {
    CommandAnswer::Reject
}

fn objects(batch: usize, i: usize) -> Vec<InfoObject<'static>> {
    (0..batch)
        .map(|j| {
            InfoObject::new(
                Ioa::new(1 + j as u32).unwrap(),
                Value::MMeNc1(i as f32, Qds::new(Quality::GOOD)),
            )
        })
        .collect()
}

pub fn database() -> Database {
    let db = Database::new();
    for j in 1..=30u32 {
        let v = Value::MMeNc1(0.0, Qds::new(Quality::GOOD));
        db.insert(Point::monitored(CA, Ioa::new(j).unwrap(), v));
    }
    db
}

/// Produce `values` in ASDUs of `batch` objects as fast as the event buffer takes them
/// (refuse-newest: a full buffer is retried), on a thread of its own.
pub fn produce(
    values: usize,
    batch: usize,
    queue: impl Fn(&[InfoObject<'_>]) -> bool + Send + 'static,
) -> std::thread::JoinHandle<()> {
    std::thread::spawn(move || {
        for i in 0..values / batch {
            let objs = objects(batch, i);
            while !queue(&objs) {
                std::thread::sleep(Duration::from_micros(50));
            }
        }
    })
}
