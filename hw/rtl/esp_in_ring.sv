// esp_in_ring: the input buffer as one ring of Words 512-bit words
// (esp_pkt_ram) between the fetch stage (producer: the packet beats of
// esp_mem_access) and the process stage (consumer: the units' ibuf port).
// Each ticket (the "slot" both sides name) owns a contiguous run of words
// from its base (esp_pkt_stream: base_i), wrapping at the ring's end; both
// sides address a ticket's words from 0 and the ring adds the base, so the
// units see the same buffer as in a slot of their own.
//
// The RAM has one write port: the consumer's write (the ESP trailer) goes
// first, the producer's beats pass through a small queue and are written
// when the port is free; stall_o holds the producer's R channel while the
// queue is half full. done_o / done_slot_o pulse when a ticket's last beat
// (p_last_i) is in the RAM. Read data: one cycle after the read.
`default_nettype none

module esp_in_ring
  import esp_spec_pkg::*;
#(
  parameter int unsigned Words = 1024,
  parameter int unsigned Tickets = 64,
  parameter int unsigned Aw = 8,          // a unit's word address
  localparam int unsigned Rw = $clog2(Words),
  localparam int unsigned Tw = $clog2(Tickets),
  localparam int unsigned Dw = 8 * PKT_BUS_BYTES,
  localparam int unsigned NB = PKT_BUS_BYTES
) (
  input  wire logic                  clk_i,
  input  wire logic                  rst_ni,
  input  wire logic [Tickets*Rw-1:0] base_i,

  // producer
  input  wire logic                  p_we_i,
  input  wire logic [Tw-1:0]         p_slot_i,
  input  wire logic [Aw-1:0]         p_waddr_i,
  input  wire logic [Dw-1:0]         p_wdata_i,
  input  wire logic                  p_last_i,
  output      logic                  stall_o,
  output      logic                  done_o,
  output      logic [Tw-1:0]         done_slot_o,

  // consumer
  input  wire logic [Tw-1:0]         c_slot_i,
  input  wire logic                  c_we_i,
  input  wire logic [Aw-1:0]         c_waddr_i,
  input  wire logic [NB-1:0]         c_wbe_i,
  input  wire logic [Dw-1:0]         c_wdata_i,
  input  wire logic                  c_re_i,
  input  wire logic [Aw-1:0]         c_raddr_i,
  output      logic [Dw-1:0]         c_rdata_o
);

  localparam int unsigned QDepth = 4;

  function automatic logic [Rw-1:0] base_of(logic [Tickets*Rw-1:0] b, logic [Tw-1:0] t);
    return b[Rw*32'(t) +: Rw];
  endfunction

  // producer beats: ring word, data, last, ticket
  logic          q_valid, q_pop, q_ready;
  logic [Rw-1:0] q_addr, p_addr;
  logic [Dw-1:0] q_data;
  logic          q_last;
  logic [Tw-1:0] q_slot;
  logic [$clog2(QDepth):0] q_count;

  assign p_addr = base_of(base_i, p_slot_i) + Rw'(p_waddr_i);

  esp_fifo_sync #(
    .Width (Rw + Dw + 1 + Tw),
    .Depth (QDepth)
  ) u_q (
    .clk_i,
    .rst_ni,
    .wvalid_i (p_we_i),
    .wready_o (q_ready),
    .wdata_i  ({p_addr, p_wdata_i, p_last_i, p_slot_i}),
    .rvalid_o (q_valid),
    .rready_i (q_pop),
    .rdata_o  ({q_addr, q_data, q_last, q_slot}),
    .count_o  (q_count)
  );

  // the port: the consumer's write, else the queue's head
  assign q_pop   = q_valid && !c_we_i;
  assign stall_o = 32'(q_count) >= QDepth / 2;

  logic          we;
  logic [Rw-1:0] waddr;
  logic [NB-1:0] wbe;
  logic [Dw-1:0] wdata;
  assign we    = c_we_i || q_valid;
  assign waddr = c_we_i ? base_of(base_i, c_slot_i) + Rw'(c_waddr_i) : q_addr;
  assign wbe   = c_we_i ? c_wbe_i : '1;
  assign wdata = c_we_i ? c_wdata_i : q_data;

  esp_pkt_ram #(.Depth(Words)) u_ram (
    .clk_i,
    .we_i    (we),
    .waddr_i (waddr),
    .wbe_i   (wbe),
    .wdata_i (wdata),
    .re_i    (c_re_i),
    .raddr_i (base_of(base_i, c_slot_i) + Rw'(c_raddr_i)),
    .rdata_o (c_rdata_o)
  );

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) done_o <= 1'b0;
    else done_o <= q_pop && q_last;
  end
  always_ff @(posedge clk_i) done_slot_o <= q_slot;

  logic unused_r;
  assign unused_r = q_ready;

endmodule : esp_in_ring

`default_nettype wire
