// esp_batch_tail: the tail of the process stage (hw/rtl/DATAPATH.md "The
// process stage across descriptors"). esp_batch_ctrl (the head) decides an
// ENCRYPT up to its esp_aead request (every check, tx_seq, counters and
// lifetimes, the trailer) and, in the cycle esp_aead takes the job, queues
// here what is left: the esp_hdr_build request (its payload sum still to
// come), the completion and the output slot's write-back fields. The tail
// then, per queued descriptor and in order: takes esp_aead's answer (the
// answers come in job order, and the head sends esp_aead no job of its own
// while anything is queued here), runs esp_hdr_build into the descriptor's
// output slot and pushes the slot with its completion to the write-back
// stage in the cycle esp_hdr_build is done. Nothing fails here (CONTRACT.md
// ENCRYPT: nothing fails after NO_SPACE), so the completion is the one the
// head queued. idle_o: nothing queued or running.
`default_nettype none

module esp_batch_tail
  import esp_spec_pkg::*;
  import esp_unit_pkg::*;
#(
  parameter int unsigned Depth = 4,        // descriptors queued (at most one per output slot)
  parameter int unsigned OSlotW = 2,
  localparam int unsigned CplW = 8 * COMPLETION_SIZE
) (
  input  wire logic              clk_i,
  input  wire logic              rst_ni,
  output      logic              idle_o,

  // from the head, in the cycle esp_aead takes the job
  input  wire logic              push_i,
  input  wire logic [OSlotW-1:0] push_oslot_i,
  input  wire hb_req_t           push_hb_i,
  input  wire logic [CplW-1:0]   push_cpl_i,
  input  wire logic [63:0]       push_out_off_i,
  input  wire logic [31:0]       push_out_len_i,
  input  wire logic [31:0]       push_out_cap_i,

  // esp_aead's answers
  input  wire logic              aead_rsp_valid_i,
  output      logic              aead_rsp_ready_o,
  input  wire aead_rsp_t         aead_rsp_i,

  // esp_hdr_build (writes output slot hb_slot_o)
  output      logic              hb_start_o,
  output      hb_req_t           hb_req_o,
  output      logic [OSlotW-1:0] hb_slot_o,
  input  wire logic              hb_done_i,

  // the write-back stage
  output      logic              out_push_o,
  output      logic [CplW-1:0]   out_cpl_o,
  output      logic [63:0]       out_offset_o,
  output      logic [31:0]       out_length_o,
  output      logic [31:0]       out_capacity_o
);

  typedef struct packed {
    logic [OSlotW-1:0] oslot;
    hb_req_t           hb;
    logic [CplW-1:0]   cpl;
    logic [63:0]       out_off;
    logic [31:0]       out_len;
    logic [31:0]       out_cap;
  } tail_t;

  tail_t q_in, q_out;
  logic  q_valid, q_pop, unused_q_wready;
  logic [$clog2(Depth):0] unused_q_count;

  assign q_in = '{oslot: push_oslot_i, hb: push_hb_i, cpl: push_cpl_i, out_off: push_out_off_i,
                  out_len: push_out_len_i, out_cap: push_out_cap_i};

  esp_fifo_sync #(
    .Width ($bits(tail_t)),
    .Depth (Depth)
  ) u_queue (
    .clk_i,
    .rst_ni,
    .wvalid_i (push_i),
    .wready_o (unused_q_wready),   // never full: one entry per output slot taken
    .wdata_i  (q_in),
    .rvalid_o (q_valid),
    .rready_i (q_pop),
    .rdata_o  (q_out),
    .count_o  (unused_q_count)
  );

  // TRsp: waits for the answer of the oldest queued job; THdr: esp_hdr_build
  // runs (started the cycle after the answer, with its payload sum).
  logic        hdr_q, go_q;
  logic [15:0] sum_q;

  assign aead_rsp_ready_o = q_valid && !hdr_q;
  assign q_pop            = hdr_q && hb_done_i;

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      hdr_q <= 1'b0;
      go_q  <= 1'b0;
    end else begin
      go_q <= aead_rsp_ready_o && aead_rsp_valid_i;
      if (aead_rsp_ready_o && aead_rsp_valid_i) hdr_q <= 1'b1;
      else if (q_pop) hdr_q <= 1'b0;
    end
  end

  always_ff @(posedge clk_i) begin
    if (aead_rsp_ready_o && aead_rsp_valid_i) sum_q <= aead_rsp_i.sum;
  end

  always_comb begin
    hb_req_o             = q_out.hb;
    hb_req_o.payload_sum = sum_q;
  end
  assign hb_start_o     = go_q;
  assign hb_slot_o      = q_out.oslot;

  assign out_push_o     = q_pop;
  assign out_cpl_o      = q_out.cpl;
  assign out_offset_o   = q_out.out_off;
  assign out_length_o   = q_out.out_len;
  assign out_capacity_o = q_out.out_cap;

  assign idle_o = !q_valid && !hdr_q;

  logic unused_tail;
  assign unused_tail = ^{aead_rsp_i.auth_ok, q_out.hb.payload_sum};   // encrypt: auth_ok is 1

endmodule : esp_batch_tail

`default_nettype wire
