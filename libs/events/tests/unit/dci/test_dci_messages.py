"""DCI messages read as the standard's own examples write them, and answer in its shapes."""

from __future__ import annotations

from siks_events.dci import (
    Acknowledgement,
    AckStatus,
    CallbackHeader,
    DciError,
    Envelope,
    ErrorCode,
    ExpressionTemplate,
    IdentifierTypeValue,
    MessageHeader,
    NotifyEventRequest,
    PredicateWithCondition,
    QueryType,
    RequestStatus,
    SearchRequest,
    SearchResponse,
    SubscribeRequest,
    TxnStatusRequest,
    UnsubscribeRequest,
    callback_header,
)

SIGNATURE = ('Signature:  namespace="dci", kidId="{sender_id}|{unique_key_id}|{algorithm}", algorithm="ed25519", '
             'created="1606970629", expires="1607030629", headers="(created) (expires) digest", '
             'signature="Base64(signing content)"')
EXAMPLE_HEADER = {
    "version": "1.0.0", "message_id": "0c96614c-7255-4774-b109-cd53ee851769", "message_ts": "2023-07-19T12:15:04.555Z",
    "action": "search", "sender_id": "sp-system", "sender_uri": "", "receiver_id": "social", "total_count": "1",
    "is_msg_encrypted": False, "meta": "",
}


def search(criteria: dict) -> dict:
    return {"signature": SIGNATURE, "header": EXAMPLE_HEADER, "message": {"transaction_id": "", "search_request": [
        {"reference_id": "", "timestamp": "2022-12-04T17:20:07-04:00", "search_criteria": criteria, "locale": ""}]}}


def test_the_examples_expression_search_with_a_predicate_list_is_read_as_predicates():
    body = search({
        "version": "1.0.0", "reg_event_type": "REGISTER", "query_type": "expression",
        "query": [{"seq_num": "", "expression1": {"attribute_name": "UIN", "operator": "eq",
                                                 "attribute_value": "847951632"}, "condition": "", "expression2": ""}],
        "sort": [{"attribute_name": "UIN", "sort_order": "asc"}], "pagination": {"page_size": 10, "page_number": 1},
        "consent": "", "authorize": ""})
    envelope = Envelope[MessageHeader, SearchRequest].model_validate(body)
    assert envelope.header.total_count == 1 and envelope.header.sender_uri is None and envelope.header.meta is None
    criteria = envelope.message.search_request[0].search_criteria
    assert isinstance(criteria.query, list) and isinstance(criteria.query[0], PredicateWithCondition)
    assert [p.attribute_value for p in criteria.query[0].expressions] == ["847951632"]
    assert criteria.pagination.page_size == 10 and criteria.sort[0].sort_order == "asc"


def test_a_chained_expression3_joins_the_predicates_of_its_item():
    body = search({"query_type": "expression", "query": [{
        "seq_num": 1, "expression1": {"attribute_name": "age", "operator": "lt", "attribute_value": "25"},
        "condition": "and", "expression2": {"attribute_name": "poverty_score", "operator": "lt", "attribute_value": "2.5"},
        "expression3": {"attribute_name": "gender", "operator": "eq", "attribute_value": "m"}}]})
    criteria = Envelope[MessageHeader, SearchRequest].model_validate(body).message.search_request[0].search_criteria
    assert [p.attribute_name for p in criteria.query[0].expressions] == ["age", "poverty_score", "gender"]


def test_an_expression_template_and_an_identifier_are_told_apart_by_shape_and_type():
    template = search({"query_type": "expression", "response_entity": "Group", "query": {
        "type": "ns:org:QueryType:NoSql",
        "value": {"expression": {"collection": "Group", "query": {"$and": [{"poverty_score": {"$lt": 5}}]}}}}})
    identifier = search({"query_type": "idtype-value", "query": {"type": "NIK", "value": "3571011705800001"}})
    read = Envelope[MessageHeader, SearchRequest].model_validate
    assert isinstance(read(template).message.search_request[0].search_criteria.query, ExpressionTemplate)
    criteria = read(identifier).message.search_request[0].search_criteria
    assert isinstance(criteria.query, IdentifierTypeValue) and criteria.query_type is QueryType.IDTYPE_VALUE


def test_subscribe_unsubscribe_notify_and_status_messages_read_the_schemas_shapes():
    subscribe = SubscribeRequest.model_validate({"transaction_id": "t-1", "subscribe_request": [{
        "reference_id": "r-1", "timestamp": "2024-01-01T00:00:00Z", "subscribe_criteria": {
            "reg_type": "ns:org:RegistryType:Social", "reg_event_type": "death",
            "frequency": {"start_time": "2024-01-01T00:00:00Z", "end_time": "2024-12-31T00:00:00Z",
                          "frequency": "0 0 * * *"},
            "filter_type": "predicate", "filter": [{"expression1": {"attribute_name": "region_code", "operator": "eq",
                                                                    "attribute_value": "3571"}}],
            "notify_record_type": "Member"}}]})
    assert subscribe.subscribe_request[0].subscribe_criteria.frequency.start_time.year == 2024
    unsubscribe = UnsubscribeRequest.model_validate({"transaction_id": "t-2", "timesstamp": "2024-02-01T00:00:00Z",
                                                     "subscription_codes": ["s-1"]})
    assert unsubscribe.timestamp.month == 2
    notify = NotifyEventRequest.model_validate({"transaction_id": "t-3", "notify_event": [{
        "reference_id": "r-3", "timestamp": "2024-03-01T00:00:00Z",
        "data": {"reg_event_type": "death", "response_entity": "Member", "reg_records": {"@type": "Member"}}}]})
    assert notify.notify_event[0].data.reg_records == {"@type": "Member"}
    status = TxnStatusRequest.model_validate({"transaction_id": "t-4", "txnstatus_request": {
        "reference_id": "r-4", "txn_type": "search", "attribute_type": "transaction_id", "attribute_value": "t-1"}})
    assert status.txnstatus_request.attribute_value == "t-1"


def test_an_acknowledgement_and_a_callback_header_are_written_as_the_standard_defines_them():
    ack = Acknowledgement.of(AckStatus.ERR, "c-1", DciError(code=ErrorCode.SIGNATURE_INVALID, message="no")).wire()
    assert ack["message"]["ack_status"] == "ERR" and ack["message"]["correlation_id"] == "c-1"
    assert ack["message"]["error"] == {"code": "err.signature.invalid", "message": "no"}
    request = MessageHeader.model_validate(EXAMPLE_HEADER)
    header = callback_header(request, action="on-search", status=RequestStatus.SUCCEEDED, sender_id="dtks")
    wire = header.wire()
    assert wire["receiver_id"] == "sp-system" and wire["status"] == "succ" and wire["total_count"] == 1
    assert CallbackHeader.model_validate(wire) == header
    response = SearchResponse.model_validate({"transaction_id": "t", "correlation_id": "c", "search_response": [{
        "reference_id": "r", "timestamp": "2024-01-01T00:00:00Z", "status": "succ",
        "data": {"reg_records": [{"@type": "Group"}]}, "pagination": {"page_size": 10, "page_number": 1,
                                                                      "total_count": 1}}]})
    assert response.wire()["search_response"][0]["data"]["version"] == "1.0.0"
