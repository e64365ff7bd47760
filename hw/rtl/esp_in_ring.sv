// esp_in_ring: the input buffer as one ring of Words 512-bit words
// (esp_pkt_ram) between the fetch stage (producer: the packet beats of
// esp_mem_access) and the process stage (consumer). Each ticket (the "slot"
// both sides name) owns a contiguous run of words from its base
// (esp_pkt_stream: base_i), wrapping at the ring's end; every port addresses
// a ticket's words from 0 and the ring adds the base, so the units see the
// same buffer as in a slot of their own.
//
// The RAM has one write port, the producer's: its beats pass through a
// small queue and are written when the port is free (the head's far reads
// below use it too); stall_o holds the producer's R channel while the
// queue is half full. The consumer writes nothing (until milestone 7 the
// head built an ENCRYPT's trailer here; esp_aead now puts it on its stream). done_o / done_slot_o pulse when a ticket's last beat
// (p_last_i) is in the RAM.
//
// Two readers, each with its own ticket (hw/rtl/DATAPATH.md "Buffers"):
//   a_*: esp_aead, with its job's ticket: the ring's read port (B);
//   h_*: the head's units (esp_ip_parse, esp_hdr_build), with the head's
//        ticket, while esp_aead reads another one. Words 0..HdrWords-1 of
//        every ticket are also in a header RAM (Tickets * HdrWords words,
//        written with the ring); h_* reads there. A word beyond it (an IPv6
//        extension-header chain, a long header copy) is read through the
//        ring's write port (A; esp_ring_ram): the producer's beat waits in
//        its queue that cycle.
// Read data: one cycle after the read.
`default_nettype none

module esp_in_ring
  import esp_spec_pkg::*;
#(
  parameter int unsigned Words = 1024,
  parameter int unsigned Tickets = 64,
  parameter int unsigned Aw = 8,          // a unit's word address
  parameter int unsigned HdrWords = 4,    // words of each ticket in the header RAM (a power of 2)
  localparam int unsigned Rw = $clog2(Words),
  localparam int unsigned Tw = $clog2(Tickets),
  localparam int unsigned Dw = 8 * PKT_BUS_BYTES
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

  // consumer: the head's ticket (its units' reads)
  input  wire logic [Tw-1:0]         c_slot_i,
  input  wire logic                  h_re_i,
  input  wire logic [Aw-1:0]         h_raddr_i,
  output      logic [Dw-1:0]         h_rdata_o,
  // esp_aead, its job's ticket
  input  wire logic [Tw-1:0]         a_slot_i,
  input  wire logic                  a_re_i,
  input  wire logic [Aw-1:0]         a_raddr_i,
  output      logic [Dw-1:0]         a_rdata_o
);

  localparam int unsigned Hw = $clog2(HdrWords);

  localparam int unsigned QDepth = 4;

  function automatic logic [Rw-1:0] base_of(logic [Tickets*Rw-1:0] b, logic [Tw-1:0] t);
    return b[Rw*32'(t) +: Rw];
  endfunction

  // producer beats: ring word, data, last, ticket, word of the ticket
  logic          q_valid, q_pop, q_ready;
  logic [Rw-1:0] q_addr, p_addr;
  logic [Dw-1:0] q_data;
  logic          q_last;
  logic [Tw-1:0] q_slot;
  logic [Aw-1:0] q_waddr;
  logic [$clog2(QDepth):0] q_count;

  assign p_addr = base_of(base_i, p_slot_i) + Rw'(p_waddr_i);

  esp_fifo_sync #(
    .Width (Rw + Dw + 1 + Tw + Aw),
    .Depth (QDepth)
  ) u_q (
    .clk_i,
    .rst_ni,
    .wvalid_i (p_we_i),
    .wready_o (q_ready),
    .wdata_i  ({p_addr, p_wdata_i, p_last_i, p_slot_i, p_waddr_i}),
    .rvalid_o (q_valid),
    .rready_i (q_pop),
    .rdata_o  ({q_addr, q_data, q_last, q_slot, q_waddr}),
    .count_o  (q_count)
  );

  // port A: the head's read beyond the header RAM, else the queue's head
  logic          h_far, h_far_q;
  assign h_far   = h_re_i && h_raddr_i >= Aw'(HdrWords);
  assign q_pop   = q_valid && !h_far;
  assign stall_o = 32'(q_count) >= QDepth / 2;

  logic          we;
  assign we = q_pop;

  logic [Dw-1:0] far_rdata, hdr_rdata;
  esp_ring_ram #(.Depth(Words)) u_ram (
    .clk_i,
    .a_we_i    (we),
    .a_re_i    (h_far),
    .a_addr_i  (we ? q_addr : base_of(base_i, c_slot_i) + Rw'(h_raddr_i)),
    .a_wbe_i   ('1),
    .a_wdata_i (q_data),
    .a_rdata_o (far_rdata),
    .b_re_i    (a_re_i),
    .b_addr_i  (base_of(base_i, a_slot_i) + Rw'(a_raddr_i)),
    .b_rdata_o (a_rdata_o)
  );

  // the header RAM: word {ticket, w} = the ticket's word w < HdrWords, each
  // write of the ring's port mirrored
  logic          hw_we;
  logic [Tw-1:0] hw_slot;
  logic [Aw-1:0] hw_word;
  assign hw_slot = q_slot;
  assign hw_word = q_waddr;
  assign hw_we   = we && hw_word < Aw'(HdrWords);
  esp_pkt_ram #(.Depth(Tickets * HdrWords)) u_hdr (
    .clk_i,
    .we_i    (hw_we),
    .waddr_i ({hw_slot, hw_word[Hw-1:0]}),
    .wbe_i   ('1),
    .wdata_i (q_data),
    .re_i    (h_re_i && !h_far),
    .raddr_i ({c_slot_i, h_raddr_i[Hw-1:0]}),
    .rdata_o (hdr_rdata)
  );

  always_ff @(posedge clk_i) if (h_re_i) h_far_q <= h_far;
  assign h_rdata_o = h_far_q ? far_rdata : hdr_rdata;

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) done_o <= 1'b0;
    else done_o <= q_pop && q_last;
  end
  always_ff @(posedge clk_i) done_slot_o <= q_slot;

  logic unused_r;
  assign unused_r = q_ready;

endmodule : esp_in_ring

`default_nettype wire
