//! Byte vectors: each -802 type encodes to exactly these BER octets (IEC 60870-6-802 types
//! in MMS `Data`, ISO 9506-2 14.4.2) and decodes back to the same typed value. The
//! `Data_RealQ` and `Data_StateQTimeTagExtended` vectors are values of the ICCP capture.

#![allow(clippy::unwrap_used, clippy::indexing_slicing, missing_docs)]

use mms_pdu::ber::BerReader;
use mms_pdu::mms::{Data, Element};
use telecontrol_core::Encode;
use telecontrol_tase2_transfer_sets::*;

fn data(bytes: &[u8]) -> Data<'_> {
    let mut r = BerReader::new(bytes);
    let tlv = r.read_tlv().unwrap();
    assert!(r.is_empty());
    Data::decode_element(&tlv, true).unwrap()
}

fn hex(s: &str) -> Vec<u8> {
    s.split_whitespace()
        .map(|b| u8::from_str_radix(b, 16).unwrap())
        .collect()
}

fn check(v: Value, wire: &str) {
    let wire = hex(wire);
    let mut out = vec![0u8; v.encoded_len()];
    assert_eq!(v.encode(&mut out), Ok(wire.len()), "{v:?}");
    assert_eq!(out, wire, "{v:?}");
    assert_eq!(Value::decode(v.kind(), &data(&wire)), Ok(v));
}

const T: i32 = 1_779_868_092; // 0x6a16a1bc

#[test]
fn every_value_type_encodes_to_its_bytes() {
    check(Value::Real(230.5), "87 05 08 43 66 80 00");
    check(Value::Discrete(-2), "85 01 fe");
    check(
        Value::State(DataFlags::GOOD.with_state(State::Closed)),
        "84 02 00 80",
    );
    check(Value::StateQ(DataFlags(0x47)), "84 02 00 47");
    check(Value::Flags(DataFlags(0x34)), "84 02 00 34");
    check(
        Value::RealQ(Quality {
            value: 230.5,
            flags: DataFlags(0),
        }),
        "a2 0b 87 05 08 43 66 80 00 84 02 00 00",
    );
    check(
        Value::DiscreteQ(Quality {
            value: 300,
            flags: DataFlags(0x10),
        }),
        "a2 08 85 02 01 2c 84 02 00 10",
    );
    check(
        Value::RealQTimeTag(TimeTagged {
            value: 230.5,
            time_stamp: T,
            flags: DataFlags(1),
        }),
        "a2 11 87 05 08 43 66 80 00 85 04 6a 16 a1 bc 84 02 00 01",
    );
    check(
        Value::StateQTimeTag(TimeTagged {
            value: (),
            time_stamp: T,
            flags: DataFlags(0x40),
        }),
        "a2 0a 85 04 6a 16 a1 bc 84 02 00 40",
    );
    check(
        Value::DiscreteQTimeTag(TimeTagged {
            value: 7,
            time_stamp: T,
            flags: DataFlags(0),
        }),
        "a2 0d 85 01 07 85 04 6a 16 a1 bc 84 02 00 00",
    );
    check(
        Value::RealExtended(Extended {
            value: -25.0,
            time_stamp: T,
            flags: DataFlags(0),
            cov: 7,
        }),
        "a2 14 87 05 08 c1 c8 00 00 85 04 6a 16 a1 bc 84 02 00 00 86 01 07",
    );
    check(
        Value::StateExtended(Extended {
            value: (),
            time_stamp: T,
            flags: DataFlags(0x80),
            cov: 300,
        }),
        "a2 0e 85 04 6a 16 a1 bc 84 02 00 80 86 02 01 2c",
    );
    check(
        Value::DiscreteExtended(Extended {
            value: 1,
            time_stamp: T,
            flags: DataFlags(0),
            cov: 0,
        }),
        "a2 10 85 01 01 85 04 6a 16 a1 bc 84 02 00 00 86 01 00",
    );
    let ext = TimeStampExtended {
        gmt_based_s: 1_740_572_057,
        milliseconds: 474,
    };
    check(
        Value::StateQTimeTagExtended(TimeTagged {
            value: (),
            time_stamp: ext,
            flags: DataFlags(0x47),
        }),
        "a2 10 a2 0a 85 04 67 bf 05 99 85 02 01 da 84 02 00 47",
    );
    check(
        Value::RealQTimeTagExtended(TimeTagged {
            value: 230.5,
            time_stamp: ext,
            flags: DataFlags(0),
        }),
        "a2 17 87 05 08 43 66 80 00 a2 0a 85 04 67 bf 05 99 85 02 01 da 84 02 00 00",
    );
    check(
        Value::DiscreteQTimeTagExtended(TimeTagged {
            value: -1,
            time_stamp: ext,
            flags: DataFlags(0),
        }),
        "a2 13 85 01 ff a2 0a 85 04 67 bf 05 99 85 02 01 da 84 02 00 00",
    );
}

#[test]
fn shapes_that_are_not_the_type_are_refused() {
    // A 5-bit DSConditions is not Data_Flags; an Integer32 overflow is out of range.
    assert!(matches!(
        Value::decode(ValueKind::Flags, &data(&hex("84 02 03 80"))),
        Err(Tase2Error::BitCount {
            expected: 8,
            found: 5,
            ..
        })
    ));
    assert!(matches!(
        Value::decode(ValueKind::Discrete, &data(&hex("85 05 01 00 00 00 00"))),
        Err(Tase2Error::OutOfRange { .. })
    ));
    assert!(matches!(
        Value::decode(ValueKind::RealQ, &data(&hex("a2 03 85 01 01"))),
        Err(Tase2Error::MemberCount {
            expected: 2,
            found: 1,
            ..
        })
    ));
    // { integer, flags } is both Data_DiscreteQ and Data_StateQTimeTag.
    let both: Vec<_> = ValueKind::candidates(&data(&hex("a2 07 85 01 07 84 02 00 00"))).collect();
    assert_eq!(both, [ValueKind::DiscreteQ, ValueKind::StateQTimeTag]);
}

#[test]
fn objects_encode_to_their_bytes() {
    let mut f2 = [Data::Boolean(false); 2];
    let v = Tase2Version::EDITION_2000_08;
    let d = v.to_data(&mut f2);
    assert_eq!(bytes(&d), hex("a2 07 85 02 07 d0 85 01 08"));
    assert_eq!(Tase2Version::from_data(&d), Ok(v));

    let sf = SupportedFeatures::new(&[1, 2, 5], 12);
    let mut st = [0u8; 2];
    let d = sf.to_data(&mut st);
    assert_eq!(bytes(&d), hex("84 03 04 c8 00"));
    let back = SupportedFeatures::from_data(&d).unwrap();
    assert_eq!(back, sf);
    assert!(back.block(1) && back.block(2) && !back.block(4) && back.block(5));

    let c = DsConditions(DsConditions::INTEGRITY_TIMEOUT | DsConditions::OBJECT_CHANGE);
    assert_eq!(bytes(&c.to_data()), hex("84 02 03 60"));

    let h = InfoMessHeader {
        info_reference: 1,
        local_reference: 2,
        message_id: 3,
        size: 4,
    };
    let mut f4 = [Data::Boolean(false); 4];
    let d = h.to_data(&mut f4);
    assert_eq!(bytes(&d), hex("a2 0c 85 01 01 85 01 02 85 01 03 85 01 04"));
    assert_eq!(InfoMessHeader::from_data(&d), Ok(h));

    let tag = TagValue {
        tag: TagState::CloseOnlyInhibit,
        armed_for_execution: true,
        reason: "x",
    };
    let mut ft = [Data::Boolean(false); 2];
    let d = tag.to_data(&mut ft);
    assert_eq!(bytes(&d), hex("a2 07 84 02 05 a0 8a 01 78"));
    assert_eq!(TagValue::from_data(&d), Ok(tag));

    for (v, w) in [
        (DeviceValue::Command(1), "85 01 01"),
        (DeviceValue::DiscreteSetPoint(-300), "85 02 fe d4"),
        (DeviceValue::RealSetPoint(-25.0), "87 05 08 c1 c8 00 00"),
        (DeviceValue::CheckBackId(258), "85 02 01 02"),
    ] {
        assert_eq!(bytes(&v.to_data()), hex(w));
    }
    assert_eq!(info_buffer_size("Info_Buff_2048"), Some(2048));
}

#[test]
fn a_ds_transfer_set_encodes_to_its_bytes_and_takes_component_writes() {
    let ts = DsTransferSet {
        data_set_name: Tase2Name {
            scope: Scope::Icc,
            domain: "D",
            name: "S",
        },
        start_time: 0,
        interval: 5,
        tle: 0,
        buffer_time: 0,
        integrity_check: 0,
        ds_conditions_requested: DsConditions(DsConditions::INTERVAL_TIMEOUT),
        block_data: false,
        critical: false,
        rbe: false,
        all_changes_reported: false,
        status: true,
        event_code_requested: Some(0),
    };
    let wire = hex(
        "a2 30 a2 09 86 01 01 8a 01 44 8a 01 53 85 01 00 85 01 05 85 01 00 85 01 00 85 01 00 \
         84 02 03 80 83 01 00 83 01 00 83 01 00 83 01 00 83 01 ff 85 01 00",
    );
    let (mut n, mut f) = ([Data::Boolean(false); 3], [Data::Boolean(false); 13]);
    assert_eq!(bytes(&ts.to_data(&mut n, &mut f)), wire);
    assert_eq!(DsTransferSet::from_data(&data(&wire)), Ok(ts));

    // Edition 1996-08: 12 members.
    let old = DsTransferSet {
        event_code_requested: None,
        ..ts
    };
    let (mut n, mut f) = ([Data::Boolean(false); 3], [Data::Boolean(false); 13]);
    let d = old.to_data(&mut n, &mut f);
    assert_eq!(d.elements().unwrap().len(), 12);
    assert_eq!(DsTransferSet::from_data(&d), Ok(old));

    // By component: RBE on, conditions changed.
    let mut t = ts;
    let (on, cond) = (hex("83 01 ff"), hex("84 02 03 20"));
    let c = DsTransferSetComponent::from_name("RBE").unwrap();
    t.set(c, ComponentValue::decode(c, &data(&on)).unwrap())
        .unwrap();
    let c = DsTransferSetComponent::from_name("DSConditionsRequested").unwrap();
    t.set(c, ComponentValue::decode(c, &data(&cond)).unwrap())
        .unwrap();
    assert!(t.rbe);
    assert!(
        t.ds_conditions_requested
            .contains(DsConditions::OBJECT_CHANGE)
    );
    assert!(t.set(c, ComponentValue::Boolean(true)).is_err());
    assert_eq!(DsTransferSetComponent::from_name("Nope"), None);
}

fn bytes(d: &Data<'_>) -> Vec<u8> {
    let mut out = vec![0u8; d.encoded_len()];
    d.encode(&mut out).unwrap();
    out
}
