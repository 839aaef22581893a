//! Property tests: every -802 value type and the DS transfer set round-trip through their
//! MMS encoding (`encoded_len` agrees with the bytes written), and decoding arbitrary BER
//! as any type never panics.

#![allow(clippy::unwrap_used, clippy::indexing_slicing, missing_docs)]

use mms_pdu::ber::BerReader;
use mms_pdu::mms::{Data, Element};
use proptest::prelude::*;
use telecontrol_core::Encode;
use telecontrol_tase2_transfer_sets::*;

fn real() -> impl Strategy<Value = f32> {
    any::<f32>().prop_filter("NaN is not equal to itself", |v| !v.is_nan())
}

fn flags() -> impl Strategy<Value = DataFlags> {
    any::<u8>().prop_map(DataFlags)
}

fn ts_ext() -> impl Strategy<Value = TimeStampExtended> {
    (any::<i32>(), any::<i16>()).prop_map(|(gmt_based_s, milliseconds)| TimeStampExtended {
        gmt_based_s,
        milliseconds,
    })
}

fn value() -> impl Strategy<Value = Value> {
    prop_oneof![
        real().prop_map(Value::Real),
        flags().prop_map(Value::State),
        any::<i32>().prop_map(Value::Discrete),
        flags().prop_map(Value::Flags),
        (real(), flags()).prop_map(|(value, flags)| Value::RealQ(Quality { value, flags })),
        flags().prop_map(Value::StateQ),
        (any::<i32>(), flags())
            .prop_map(|(value, flags)| Value::DiscreteQ(Quality { value, flags })),
        (real(), any::<i32>(), flags()).prop_map(|(value, time_stamp, flags)| {
            Value::RealQTimeTag(TimeTagged {
                value,
                time_stamp,
                flags,
            })
        }),
        (any::<i32>(), flags()).prop_map(|(time_stamp, flags)| {
            Value::StateQTimeTag(TimeTagged {
                value: (),
                time_stamp,
                flags,
            })
        }),
        (any::<i32>(), any::<i32>(), flags()).prop_map(|(value, time_stamp, flags)| {
            Value::DiscreteQTimeTag(TimeTagged {
                value,
                time_stamp,
                flags,
            })
        }),
        (real(), any::<i32>(), flags(), any::<u16>()).prop_map(
            |(value, time_stamp, flags, cov)| {
                Value::RealExtended(Extended {
                    value,
                    time_stamp,
                    flags,
                    cov,
                })
            }
        ),
        (any::<i32>(), flags(), any::<u16>()).prop_map(|(time_stamp, flags, cov)| {
            Value::StateExtended(Extended {
                value: (),
                time_stamp,
                flags,
                cov,
            })
        }),
        (any::<i32>(), any::<i32>(), flags(), any::<u16>()).prop_map(
            |(value, time_stamp, flags, cov)| {
                Value::DiscreteExtended(Extended {
                    value,
                    time_stamp,
                    flags,
                    cov,
                })
            }
        ),
        (real(), ts_ext(), flags()).prop_map(|(value, time_stamp, flags)| {
            Value::RealQTimeTagExtended(TimeTagged {
                value,
                time_stamp,
                flags,
            })
        }),
        (ts_ext(), flags()).prop_map(|(time_stamp, flags)| {
            Value::StateQTimeTagExtended(TimeTagged {
                value: (),
                time_stamp,
                flags,
            })
        }),
        (any::<i32>(), ts_ext(), flags()).prop_map(|(value, time_stamp, flags)| {
            Value::DiscreteQTimeTagExtended(TimeTagged {
                value,
                time_stamp,
                flags,
            })
        }),
    ]
}

fn decode_data(bytes: &[u8]) -> Option<Data<'_>> {
    let tlv = BerReader::new(bytes).read_tlv().ok()?;
    Data::decode_element(&tlv, true).ok()
}

proptest! {
    #[test]
    fn every_value_type_round_trips(v in value()) {
        let mut out = vec![0u8; v.encoded_len()];
        prop_assert_eq!(v.encode(&mut out), Ok(out.len()));
        let d = decode_data(&out).unwrap();
        prop_assert_eq!(Value::decode(v.kind(), &d), Ok(v));
        prop_assert!(ValueKind::candidates(&d).any(|k| k == v.kind()));
    }

    #[test]
    fn a_ds_transfer_set_round_trips(
        icc in any::<bool>(),
        domain in "[A-Z_0-9]{0,32}",
        name in "[A-Za-z_0-9]{1,32}",
        ints in proptest::array::uniform5(any::<i32>()),
        cond in 0u8..32,
        bools in proptest::array::uniform5(any::<bool>()),
        event in proptest::option::of(any::<i16>()),
    ) {
        let ts = DsTransferSet {
            data_set_name: Tase2Name {
                scope: if icc { Scope::Icc } else { Scope::Vmd },
                domain: &domain,
                name: &name,
            },
            start_time: ints[0],
            interval: ints[1],
            tle: ints[2],
            buffer_time: ints[3],
            integrity_check: ints[4],
            ds_conditions_requested: DsConditions(cond << 3),
            block_data: bools[0],
            critical: bools[1],
            rbe: bools[2],
            all_changes_reported: bools[3],
            status: bools[4],
            event_code_requested: event,
        };
        let (mut n, mut f) = ([Data::Boolean(false); 3], [Data::Boolean(false); 13]);
        let d = ts.to_data(&mut n, &mut f);
        let mut out = vec![0u8; d.encoded_len()];
        prop_assert_eq!(d.encode(&mut out), Ok(out.len()));
        let back = decode_data(&out).unwrap();
        prop_assert_eq!(DsTransferSet::from_data(&back), Ok(ts));
        // Every component decodes from the matching member.
        for (c, m) in DsTransferSetComponent::ALL.iter().zip(back.elements().unwrap().iter()) {
            prop_assert!(ComponentValue::decode(*c, &m).is_ok());
        }
    }

    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..64)) {
        if let Some(d) = decode_data(&bytes) {
            for k in ValueKind::ALL {
                let _ = Value::decode(k, &d);
            }
            let _ = DsTransferSet::from_data(&d);
            let _ = Tase2Name::from_data(&d);
            let _ = SupportedFeatures::from_data(&d);
            let _ = TagValue::from_data(&d);
            let _ = InfoMessHeader::from_data(&d);
        }
    }
}
