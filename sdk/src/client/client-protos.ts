/**
 * The wire protos the client speaks, embedded so the SDK needs no files at
 * run time. Copies of plugins/protocol-grpc/protos (GreptimeDB's
 * greptime.v1 subset and Arrow Flight); sdk/test/client-protos.test.ts
 * checks they stay identical.
 */
export const GREPTIME_DATABASE_PROTO = `// A subset of GreptimeDB's greptime-proto (greptime.v1), written for Strata:
// the GreptimeDatabase service with row inserts and SQL queries. Field
// numbers and names follow greptime-proto so GreptimeDB clients that send
// these messages are understood; messages Strata does not implement (column
// inserts, DDL, deletes, logical plans) are left out and answered with
// UNIMPLEMENTED. See docs/grpc.md for the differences.
syntax = "proto3";

package greptime.v1;

service GreptimeDatabase {
  rpc Handle(GreptimeRequest) returns (GreptimeResponse);
  rpc HandleRequests(stream GreptimeRequest) returns (GreptimeResponse);
}

message RequestHeader {
  string catalog = 1;
  string schema = 2;
  AuthHeader authorization = 3;
  string dbname = 4;
  map<string, string> tracing_context = 5;
  string timezone = 6;
}

message AuthHeader {
  oneof auth_scheme {
    Basic basic = 1;
    Token token = 2;
  }
}

message Basic {
  string username = 1;
  string password = 2;
}

message Token {
  string token = 1;
}

message GreptimeRequest {
  RequestHeader header = 1;
  oneof request {
    QueryRequest query = 3;
    RowInsertRequests row_inserts = 6;
  }
}

message GreptimeResponse {
  ResponseHeader header = 1;
  oneof response {
    AffectedRows affected_rows = 2;
  }
  // Strata extension (not in greptime-proto): the last result set of a
  // QueryRequest as an Arrow IPC stream. GreptimeDB answers result sets only
  // through Flight DoGet; clients that do not know this field ignore it.
  bytes strata_arrow_ipc = 100;
}

message ResponseHeader {
  Status status = 1;
}

message Status {
  uint32 status_code = 1;
  string err_msg = 2;
}

message QueryRequest {
  oneof query {
    string sql = 1;
    bytes logical_plan = 2;
  }
}

message AffectedRows {
  uint32 value = 1;
}

message FlightMetadata {
  AffectedRows affected_rows = 1;
}

message RowInsertRequests {
  repeated RowInsertRequest inserts = 1;
}

message RowInsertRequest {
  string table_name = 1;
  Rows rows = 2;
}

message Rows {
  repeated ColumnSchema schema = 1;
  repeated Row rows = 2;
}

message ColumnSchema {
  string column_name = 1;
  ColumnDataType datatype = 2;
  SemanticType semantic_type = 3;
}

message Row {
  repeated Value values = 1;
}

message Value {
  oneof value_data {
    int32 i8_value = 1;
    int32 i16_value = 2;
    int32 i32_value = 3;
    int64 i64_value = 4;
    uint32 u8_value = 5;
    uint32 u16_value = 6;
    uint32 u32_value = 7;
    uint64 u64_value = 8;
    float f32_value = 9;
    double f64_value = 10;
    bool bool_value = 11;
    bytes binary_value = 12;
    string string_value = 13;
    int32 date_value = 14;
    int64 datetime_value = 15;
    int64 timestamp_second_value = 16;
    int64 timestamp_millisecond_value = 17;
    int64 timestamp_microsecond_value = 18;
    int64 timestamp_nanosecond_value = 19;
  }
}

enum SemanticType {
  TAG = 0;
  FIELD = 1;
  TIMESTAMP = 2;
}

enum ColumnDataType {
  BOOLEAN = 0;
  INT8 = 1;
  INT16 = 2;
  INT32 = 3;
  INT64 = 4;
  UINT8 = 5;
  UINT16 = 6;
  UINT32 = 7;
  UINT64 = 8;
  FLOAT32 = 9;
  FLOAT64 = 10;
  BINARY = 11;
  STRING = 12;
  DATE = 13;
  DATETIME = 14;
  TIMESTAMP_SECOND = 15;
  TIMESTAMP_MILLISECOND = 16;
  TIMESTAMP_MICROSECOND = 17;
  TIMESTAMP_NANOSECOND = 18;
}
`;

export const ARROW_FLIGHT_PROTO = `// The part of Apache Arrow Flight's Flight.proto (package
// arrow.flight.protocol) that Strata serves: Handshake, GetFlightInfo, DoGet,
// DoPut. Names and field numbers are Flight's, so any Flight client works.
syntax = "proto3";

package arrow.flight.protocol;

service FlightService {
  rpc Handshake(stream HandshakeRequest) returns (stream HandshakeResponse) {}
  rpc GetFlightInfo(FlightDescriptor) returns (FlightInfo) {}
  rpc DoGet(Ticket) returns (stream FlightData) {}
  rpc DoPut(stream FlightData) returns (stream PutResult) {}
}

message HandshakeRequest {
  uint64 protocol_version = 1;
  bytes payload = 2;
}

message HandshakeResponse {
  uint64 protocol_version = 1;
  bytes payload = 2;
}

message FlightDescriptor {
  enum DescriptorType {
    UNKNOWN = 0;
    PATH = 1;
    CMD = 2;
  }
  DescriptorType type = 1;
  bytes cmd = 2;
  repeated string path = 3;
}

message FlightInfo {
  bytes schema = 1;
  FlightDescriptor flight_descriptor = 2;
  repeated FlightEndpoint endpoint = 3;
  int64 total_records = 4;
  int64 total_bytes = 5;
  bool ordered = 6;
  bytes app_metadata = 7;
}

message FlightEndpoint {
  Ticket ticket = 1;
  repeated Location location = 2;
  bytes app_metadata = 4;
}

message Location {
  string uri = 1;
}

message Ticket {
  bytes ticket = 1;
}

message FlightData {
  FlightDescriptor flight_descriptor = 1;
  bytes data_header = 2;
  bytes app_metadata = 3;
  bytes data_body = 1000;
}

message PutResult {
  bytes app_metadata = 1;
}
`;
