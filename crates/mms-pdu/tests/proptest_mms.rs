//! Property tests of the MMS layer: every PDU type and the `Data` choice (random nesting)
//! round-trip through encode and decode with `encoded_len` exact; arbitrary and mutated
//! input never panics.

#![allow(
    clippy::unwrap_used,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects,
    clippy::cast_possible_truncation,
    missing_docs
)]

use proptest::collection::vec;
use proptest::prelude::*;
use telecontrol_core::{Decode, Encode};
use telecontrol_mms_pdu::ber::{BerReader, BitString, Oid, Tag};
use telecontrol_mms_pdu::mms::*;

fn leak<T>(v: Vec<T>) -> &'static [T] {
    v.leak()
}

fn ident() -> impl Strategy<Value = Identifier<'static>> {
    "[A-Za-z_][A-Za-z0-9_$]{0,31}"
        .prop_map(|s| Identifier::new(Box::leak(s.into_boxed_str())).unwrap())
}

fn bytes(max: usize) -> impl Strategy<Value = &'static [u8]> {
    vec(any::<u8>(), 0..max).prop_map(leak)
}

fn bits() -> impl Strategy<Value = BitString<'static>> {
    (vec(any::<u8>(), 0..5), 0u8..8).prop_map(|(b, u)| {
        let u = if b.is_empty() { 0 } else { u };
        BitString::new(leak(b), u).unwrap()
    })
}

fn object_name() -> impl Strategy<Value = ObjectName<'static>> {
    prop_oneof![
        ident().prop_map(ObjectName::VmdSpecific),
        (ident(), ident()).prop_map(|(domain, item)| ObjectName::DomainSpecific { domain, item }),
        ident().prop_map(ObjectName::AaSpecific),
    ]
}

fn data_leaf() -> impl Strategy<Value = Data<'static>> {
    prop_oneof![
        any::<bool>().prop_map(Data::Boolean),
        bits().prop_map(Data::BitString),
        any::<i64>().prop_map(Data::Integer),
        any::<u64>().prop_map(Data::Unsigned),
        any::<u32>().prop_map(|b| Data::FloatingPoint(FloatingPoint::Single(f32::from_bits(b)))),
        any::<u64>().prop_map(|b| Data::FloatingPoint(FloatingPoint::Double(f64::from_bits(b)))),
        bytes(12).prop_map(Data::OctetString),
        bytes(12).prop_map(Data::VisibleString),
        bytes(12).prop_map(Data::GeneralizedTime),
        (any::<u32>(), proptest::option::of(any::<u16>()))
            .prop_map(|(millis, days)| Data::BinaryTime(BinaryTime { millis, days })),
        any::<i64>().prop_map(Data::Bcd),
        bits().prop_map(Data::BooleanArray),
        vec(0u8..0x80, 1..6).prop_map(|b| Data::ObjId(Oid::from_encoded(leak(b)))),
        bytes(12).prop_map(Data::MmsString),
        any::<[u8; 8]>().prop_map(|b| Data::UtcTime(UtcTime(b))),
    ]
}

fn data() -> impl Strategy<Value = Data<'static>> {
    data_leaf().prop_recursive(6, 96, 6, |inner| {
        prop_oneof![
            vec(inner.clone(), 0..6).prop_map(|v| Data::Array(SeqOf::from_slice(leak(v)))),
            vec(inner, 0..6).prop_map(|v| Data::Structure(SeqOf::from_slice(leak(v)))),
        ]
    })
}

fn access_result() -> impl Strategy<Value = AccessResult<'static>> {
    prop_oneof![
        (0i64..16).prop_map(|c| AccessResult::Failure(DataAccessError::from_code(c))),
        data().prop_map(AccessResult::Success),
    ]
}

fn address() -> impl Strategy<Value = Address<'static>> {
    prop_oneof![
        any::<u32>().prop_map(Address::Numeric),
        bytes(8).prop_map(Address::Symbolic),
        bytes(8).prop_map(Address::Unconstrained),
    ]
}

fn access_selection() -> impl Strategy<Value = AccessSelection<'static>> {
    prop_oneof![
        ident().prop_map(AccessSelection::Component),
        any::<u32>().prop_map(AccessSelection::Index),
        (any::<u32>(), any::<u32>())
            .prop_map(|(low, count)| AccessSelection::IndexRange { low, count }),
        Just(AccessSelection::AllElements),
    ]
}

fn alternate_access() -> impl Strategy<Value = AlternateAccess<'static>> {
    let select = || access_selection().prop_map(AlternateAccessSelection::SelectAccess);
    let leaf = prop_oneof![
        select().prop_map(AlternateAccessItem::Unnamed),
        (ident(), select()).prop_map(|(component_name, access)| AlternateAccessItem::Named {
            component_name,
            access
        }),
    ];
    let items = leaf.prop_recursive(3, 12, 3, |inner| {
        (access_selection(), vec(inner, 0..3)).prop_map(|(selection, v)| {
            AlternateAccessItem::Unnamed(AlternateAccessSelection::SelectAlternateAccess {
                selection,
                alternate_access: SeqOf::from_slice(leak(v)),
            })
        })
    });
    vec(items, 1..4).prop_map(|v| SeqOf::from_slice(leak(v)))
}

fn type_spec() -> impl Strategy<Value = TypeSpecification<'static>> {
    let leaf = prop_oneof![
        object_name().prop_map(TypeSpecification::TypeName),
        Just(TypeDescription::Boolean).prop_map(TypeSpecification::Description),
        any::<i32>().prop_map(|n| TypeSpecification::Description(TypeDescription::BitString(n))),
        any::<u8>().prop_map(|n| TypeSpecification::Description(TypeDescription::Integer(n))),
        any::<u8>().prop_map(|n| TypeSpecification::Description(TypeDescription::Unsigned(n))),
        (any::<u8>(), any::<u8>()).prop_map(|(format_width, exponent_width)| {
            TypeSpecification::Description(TypeDescription::FloatingPoint {
                format_width,
                exponent_width,
            })
        }),
        any::<i32>().prop_map(|n| TypeSpecification::Description(TypeDescription::OctetString(n))),
        any::<i32>()
            .prop_map(|n| TypeSpecification::Description(TypeDescription::VisibleString(n))),
        Just(TypeSpecification::Description(
            TypeDescription::GeneralizedTime
        )),
        any::<bool>().prop_map(|b| TypeSpecification::Description(TypeDescription::BinaryTime(b))),
        any::<u8>().prop_map(|n| TypeSpecification::Description(TypeDescription::Bcd(n))),
        Just(TypeSpecification::Description(TypeDescription::ObjId)),
        any::<i32>().prop_map(|n| TypeSpecification::Description(TypeDescription::MmsString(n))),
        Just(TypeSpecification::Description(TypeDescription::UtcTime)),
    ];
    leaf.prop_recursive(4, 24, 4, |inner| {
        let packed = proptest::option::of(any::<bool>());
        prop_oneof![
            (packed.clone(), any::<u32>(), inner.clone()).prop_map(
                |(packed, number_of_elements, e)| {
                    let element: &'static TypeSpecification<'static> = Box::leak(Box::new(e));
                    TypeSpecification::Description(TypeDescription::Array {
                        packed,
                        number_of_elements,
                        element_type: Nested::new(element),
                    })
                }
            ),
            (packed, vec((proptest::option::of(ident()), inner), 0..4)).prop_map(|(packed, c)| {
                let c: Vec<StructComponent<'static>> = c
                    .into_iter()
                    .map(|(name, component_type)| StructComponent {
                        name,
                        component_type,
                    })
                    .collect();
                TypeSpecification::Description(TypeDescription::Structure {
                    packed,
                    components: SeqOf::from_slice(leak(c)),
                })
            }),
        ]
    })
}

fn variable_spec() -> impl Strategy<Value = VariableSpecification<'static>> {
    prop_oneof![
        object_name().prop_map(VariableSpecification::Name),
        address().prop_map(VariableSpecification::Address),
        (address(), type_spec()).prop_map(|(address, type_specification)| {
            VariableSpecification::VariableDescription {
                address,
                type_specification,
            }
        }),
        Just(VariableSpecification::Invalidated),
    ]
}

fn variable_list() -> impl Strategy<Value = SeqOf<'static, VariableListItem<'static>>> {
    vec(
        (variable_spec(), proptest::option::of(alternate_access())).prop_map(
            |(specification, alternate_access)| VariableListItem {
                specification,
                alternate_access,
            },
        ),
        0..4,
    )
    .prop_map(|v| SeqOf::from_slice(leak(v)))
}

fn vas() -> impl Strategy<Value = VariableAccessSpecification<'static>> {
    prop_oneof![
        variable_list().prop_map(VariableAccessSpecification::ListOfVariable),
        object_name().prop_map(VariableAccessSpecification::VariableListName),
    ]
}

fn results() -> impl Strategy<Value = SeqOf<'static, AccessResult<'static>>> {
    vec(access_result(), 0..5).prop_map(|v| SeqOf::from_slice(leak(v)))
}

fn service_error() -> impl Strategy<Value = ServiceError<'static>> {
    (
        0u32..13,
        -3i64..300,
        proptest::option::of(any::<i64>()),
        proptest::option::of(bytes(10)),
    )
        .prop_map(
            |(class, code, additional_code, additional_description)| ServiceError {
                error_class: ErrorClass::from_parts(class, code).unwrap(),
                additional_code,
                additional_description,
                service_specific: None,
            },
        )
}

fn request() -> impl Strategy<Value = ConfirmedServiceRequest<'static>> {
    let scope = prop_oneof![
        Just(ObjectScope::Vmd),
        ident().prop_map(ObjectScope::Domain),
        Just(ObjectScope::Aa)
    ];
    let class = prop_oneof![
        (0i64..14).prop_map(|c| ExtendedObjectClass::Basic(ObjectClass::from_code(c))),
        any::<i64>().prop_map(ExtendedObjectClass::CompanionStandard),
    ];
    prop_oneof![
        any::<bool>().prop_map(ConfirmedServiceRequest::Status),
        (class, scope, proptest::option::of(ident())).prop_map(
            |(object_class, object_scope, continue_after)| {
                ConfirmedServiceRequest::GetNameList(GetNameListRequest {
                    object_class,
                    object_scope,
                    continue_after,
                })
            }
        ),
        Just(ConfirmedServiceRequest::Identify),
        (proptest::option::of(any::<bool>()), vas()).prop_map(|(s, v)| {
            ConfirmedServiceRequest::Read(ReadRequest {
                specification_with_result: s,
                variable_access_specification: v,
            })
        }),
        (vas(), vec(data(), 0..4)).prop_map(|(v, d)| ConfirmedServiceRequest::Write(
            WriteRequest {
                variable_access_specification: v,
                data: SeqOf::from_slice(leak(d))
            }
        )),
        prop_oneof![
            object_name().prop_map(GetVariableAccessAttributesRequest::Name),
            address().prop_map(GetVariableAccessAttributesRequest::Address)
        ]
        .prop_map(ConfirmedServiceRequest::GetVariableAccessAttributes),
        (object_name(), variable_list()).prop_map(|(name, variables)| {
            ConfirmedServiceRequest::DefineNamedVariableList(DefineNamedVariableListRequest {
                name,
                variables,
            })
        }),
        object_name().prop_map(ConfirmedServiceRequest::GetNamedVariableListAttributes),
        (
            proptest::option::of((0i64..5).prop_map(DeleteScope::from_code)),
            proptest::option::of(vec(object_name(), 0..3).prop_map(|v| SeqOf::from_slice(leak(v)))),
            proptest::option::of(ident())
        )
            .prop_map(|(scope, names, domain)| {
                ConfirmedServiceRequest::DeleteNamedVariableList(DeleteNamedVariableListRequest {
                    scope,
                    names,
                    domain,
                })
            }),
    ]
}

fn response() -> impl Strategy<Value = ConfirmedServiceResponse<'static>> {
    prop_oneof![
        ((0i64..5), (0i64..5), proptest::option::of(bits())).prop_map(|(l, p, local_detail)| {
            ConfirmedServiceResponse::Status(StatusResponse {
                logical: VmdLogicalStatus::from_code(l),
                physical: VmdPhysicalStatus::from_code(p),
                local_detail,
            })
        }),
        (vec(ident(), 0..5), proptest::option::of(any::<bool>())).prop_map(|(v, more_follows)| {
            ConfirmedServiceResponse::GetNameList(GetNameListResponse {
                identifiers: SeqOf::from_slice(leak(v)),
                more_follows,
            })
        }),
        (bytes(12), bytes(12), bytes(12)).prop_map(|(vendor, model, revision)| {
            ConfirmedServiceResponse::Identify(IdentifyResponse {
                vendor,
                model,
                revision,
                abstract_syntaxes: None,
            })
        }),
        (proptest::option::of(vas()), results()).prop_map(|(v, results)| {
            ConfirmedServiceResponse::Read(ReadResponse {
                variable_access_specification: v,
                results,
            })
        }),
        vec(
            prop_oneof![
                Just(WriteResult::Success),
                (0i64..12).prop_map(|c| WriteResult::Failure(DataAccessError::from_code(c)))
            ],
            0..5
        )
        .prop_map(|v| ConfirmedServiceResponse::Write(SeqOf::from_slice(leak(v)))),
        (any::<bool>(), proptest::option::of(address()), type_spec()).prop_map(
            |(mms_deletable, address, type_specification)| {
                ConfirmedServiceResponse::GetVariableAccessAttributes(
                    GetVariableAccessAttributesResponse {
                        mms_deletable,
                        address,
                        type_specification,
                    },
                )
            }
        ),
        Just(ConfirmedServiceResponse::DefineNamedVariableList),
        (any::<bool>(), variable_list()).prop_map(|(mms_deletable, variables)| {
            ConfirmedServiceResponse::GetNamedVariableListAttributes(
                GetNamedVariableListAttributesResponse {
                    mms_deletable,
                    variables,
                },
            )
        }),
        (any::<u32>(), any::<u32>()).prop_map(|(number_matched, number_deleted)| {
            ConfirmedServiceResponse::DeleteNamedVariableList(DeleteNamedVariableListResponse {
                number_matched,
                number_deleted,
            })
        }),
    ]
}

fn initiate() -> impl Strategy<Value = InitiateParams<'static>> {
    (
        proptest::option::of(any::<i32>()),
        any::<i16>(),
        any::<i16>(),
        proptest::option::of(any::<i8>()),
        any::<i16>(),
        bits(),
        bits(),
        prop_oneof![Just(&[][..]), Just(&[0x83, 0x02, 0x00, 0xFF][..])],
    )
        .prop_map(
            |(
                local_detail,
                a,
                b,
                nesting,
                version_number,
                parameter_cbb,
                services_supported,
                extension,
            )| {
                InitiateParams {
                    local_detail,
                    max_serv_outstanding_calling: a,
                    max_serv_outstanding_called: b,
                    data_structure_nesting_level: nesting,
                    detail: InitDetail {
                        version_number,
                        parameter_cbb,
                        services_supported,
                        extension,
                    },
                }
            },
        )
}

/// A service this crate does not model: a context tag outside the known ones, any contents.
fn unsupported(known: &'static [u32]) -> impl Strategy<Value = RawElement<'static>> {
    (3u32..80, any::<bool>(), bytes(10))
        .prop_filter("a modelled service", move |(n, _, _)| !known.contains(n))
        .prop_map(|(n, constructed, content)| RawElement {
            tag: Tag::context(n, constructed),
            content,
        })
}

fn pdu() -> impl Strategy<Value = MmsPdu<'static>> {
    const KNOWN: &[u32] = &[0, 1, 2, 4, 5, 6, 11, 12, 13];
    prop_oneof![
        (any::<u32>(), request())
            .prop_map(|(i, s)| MmsPdu::ConfirmedRequest(ConfirmedRequest::new(i, s))),
        (
            any::<u32>(),
            proptest::option::of(bytes(6)),
            unsupported(KNOWN)
        )
            .prop_map(|(invoke_id, modifiers, raw)| MmsPdu::ConfirmedRequest(
                ConfirmedRequest {
                    invoke_id,
                    modifiers,
                    service: ConfirmedServiceRequest::Unsupported(raw),
                }
            )),
        (any::<u32>(), unsupported(KNOWN)).prop_map(|(invoke_id, raw)| {
            MmsPdu::ConfirmedResponse(ConfirmedResponse {
                invoke_id,
                service: ConfirmedServiceResponse::Unsupported(raw),
            })
        }),
        unsupported(&[0, 1])
            .prop_map(|raw| MmsPdu::Unconfirmed(UnconfirmedService::Unsupported(raw))),
        ((0i64..5), (0i64..5), proptest::option::of(bits())).prop_map(|(l, p, local_detail)| {
            MmsPdu::Unconfirmed(UnconfirmedService::UnsolicitedStatus(StatusResponse {
                logical: VmdLogicalStatus::from_code(l),
                physical: VmdPhysicalStatus::from_code(p),
                local_detail,
            }))
        }),
        (any::<u32>(), response()).prop_map(|(invoke_id, service)| MmsPdu::ConfirmedResponse(
            ConfirmedResponse { invoke_id, service }
        )),
        (
            any::<u32>(),
            proptest::option::of(any::<u32>()),
            service_error()
        )
            .prop_map(|(invoke_id, modifier_position, service_error)| {
                MmsPdu::ConfirmedError(ConfirmedErrorPdu {
                    invoke_id,
                    modifier_position,
                    service_error,
                })
            }),
        (vas(), results()).prop_map(|(v, results)| MmsPdu::Unconfirmed(
            UnconfirmedService::InformationReport(InformationReport {
                variable_access_specification: v,
                results
            })
        )),
        (proptest::option::of(any::<u32>()), 1u32..12, 0i64..12).prop_map(
            |(original_invoke_id, n, code)| {
                MmsPdu::Reject(RejectPdu {
                    original_invoke_id,
                    reason: RejectReason::from_parts(n, code).unwrap(),
                })
            }
        ),
        any::<u32>().prop_map(MmsPdu::CancelRequest),
        any::<u32>().prop_map(MmsPdu::CancelResponse),
        (any::<u32>(), service_error()).prop_map(|(original_invoke_id, service_error)| {
            MmsPdu::CancelError(CancelError {
                original_invoke_id,
                service_error,
            })
        }),
        initiate().prop_map(MmsPdu::InitiateRequest),
        initiate().prop_map(MmsPdu::InitiateResponse),
        service_error().prop_map(MmsPdu::InitiateError),
        Just(MmsPdu::ConcludeRequest),
        Just(MmsPdu::ConcludeResponse),
        service_error().prop_map(MmsPdu::ConcludeError),
    ]
}

fn encode<E: Encode>(v: &E) -> Vec<u8> {
    let mut out = vec![0u8; v.encoded_len()];
    let n = v.encode(&mut out).unwrap();
    assert_eq!(n, out.len(), "encoded_len agrees with encode");
    out
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn every_pdu_round_trips(p in pdu()) {
        let bytes = encode(&p);
        let decoded = MmsPdu::decode(&bytes).unwrap();
        prop_assert_eq!(decoded, p);
        prop_assert_eq!(encode(&decoded), bytes);
    }

    #[test]
    fn data_round_trips_with_random_nesting(d in data()) {
        let bytes = encode(&d);
        let tlv = BerReader::new(&bytes).read_tlv().unwrap();
        let decoded = Data::decode_element(&tlv, true).unwrap();
        prop_assert_eq!(decoded, d);
        prop_assert_eq!(encode(&decoded), bytes);
    }

    #[test]
    fn arbitrary_bytes_never_panic(bytes in vec(any::<u8>(), 0..300)) {
        if let Ok(p) = MmsPdu::decode(&bytes) {
            let _ = format!("{p:?}");
            let _ = encode(&p);
        }
        let _ = MmsPdu::peek_invoke_id(&bytes);
    }

    #[test]
    fn mutated_pdus_never_panic(p in pdu(), at in any::<usize>(), byte in any::<u8>(), cut in any::<usize>()) {
        let mut bytes = encode(&p);
        let i = at % bytes.len();
        bytes[i] = byte;
        bytes.truncate(bytes.len() - cut % 3);
        if let Ok(p) = MmsPdu::decode(&bytes) {
            let _ = format!("{p:?}");
            let _ = encode(&p);
        }
    }
}

#[test]
fn deep_nesting_is_an_error_not_a_stack_overflow() {
    // 10 000 nested structures: [2] { [2] { ... } } inside an InformationReport.
    let depth = 10_000;
    let mut inner: Vec<u8> = vec![0x83, 0x01, 0xFF];
    for _ in 0..depth {
        let mut outer = vec![0xA2];
        let n = inner.len();
        if n < 128 {
            outer.push(n as u8);
        } else {
            let b = (n as u32).to_be_bytes();
            let skip = b.iter().take_while(|&&x| x == 0).count();
            outer.push(0x80 | (4 - skip) as u8);
            outer.extend_from_slice(&b[skip..]);
        }
        outer.extend_from_slice(&inner);
        inner = outer;
    }
    let tlv = BerReader::new(&inner).read_tlv().unwrap();
    assert!(Data::decode_element(&tlv, true).is_err());
}
