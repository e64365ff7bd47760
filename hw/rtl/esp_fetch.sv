// esp_fetch: the fetch stage (hw/rtl/README.md "Stages"), ahead of the
// process stage, in two parts that run at the same time:
//
//   descriptor reader: reads the run's descriptors from the ring (descriptor
//     i at slot i mod 2^ring_log2 of desc_ring, from ring_first up to the
//     live DESC_PROD register, which the host may advance during the run)
//     in blocks of up to Block that do not cross the ring's end (one
//     card-memory read each, its own esp_mem_access client) into a FIFO of
//     QDepth descriptors, whenever the FIFO has room for a block; after a
//     STOP it takes no further descriptor (the rest of its block is dropped);
//   packet reader: takes the descriptors from the FIFO in order into the
//     input slots (esp_pkt_bank, producer side), one per free slot, and when
//     a descriptor needs it (esp_desc_check read_pkt) reads its input packet
//     into the slot's buffer. Up to Slots packet reads are in flight (the
//     read's tag names its slot); a slot is ready when its read is done (or
//     at once without one).
//
// The process stage takes the slots in order (head_*) and releases each
// with pop_i when it is done with the buffer.
`default_nettype none

module esp_fetch
  import esp_spec_pkg::*;
  import esp_mem_pkg::*;
#(
  parameter int unsigned Slots = 4,
  parameter int unsigned Block = 8,
  parameter int unsigned QDepth = 16,
  localparam int unsigned Sw = (Slots > 1) ? $clog2(Slots) : 1,
  localparam int unsigned Dw = 8 * PKT_BUS_BYTES,
  localparam int unsigned DescW = 8 * DESCRIPTOR_SIZE,
  localparam int unsigned DImgBeats = desc_block_beats(Block)
) (
  input  wire logic             clk_i,
  input  wire logic             rst_ni,

  // a run starts (arguments sampled)
  input  wire logic             start_i,
  input  wire logic [63:0]      desc_ring_i,
  input  wire logic [63:0]      pkt_in_i,
  input  wire logic [31:0]      ring_first_i,
  input  wire logic [31:0]      ring_mask_i,      // 2^ring_log2 - 1
  input  wire logic [31:0]      sa_capacity_i,    // min(sa_capacity, MAX_SAS)
  input  wire logic [31:0]      desc_prod_i,      // DESC_PROD, live
  output      logic             idle_o,
  output      logic [31:0]      taken_o,          // the index after the last descriptor taken

  // esp_mem_access, descriptor client: one block read at a time
  output      logic             d_valid_o,
  output      logic [63:0]      d_addr_o,
  output      logic [31:0]      d_len_o,
  input  wire logic             d_done_i,
  input  wire logic [DImgBeats*Dw-1:0] d_rimg_i,

  // esp_mem_access, packet client: a read is issued with f_valid_o and held
  // until f_acc_i; f_done_i / f_done_slot_i when its data is in the slot
  output      logic             f_valid_o,
  output      logic [63:0]      f_addr_o,
  output      logic [31:0]      f_len_o,
  output      logic [Sw-1:0]    f_slot_o,
  input  wire logic             f_acc_i,
  input  wire logic             f_done_i,
  input  wire logic [Sw-1:0]    f_done_slot_i,

  // the ready slots (the process stage's)
  output      logic [Slots-1:0] ready_o,

  // the oldest slot, for the process stage
  output      logic             head_valid_o,
  output      logic [Sw-1:0]    head_slot_o,
  output      logic [DescW-1:0] head_desc_o,
  input  wire logic             pop_i
);

  localparam int unsigned Qw = $clog2(QDepth);
  localparam int unsigned Bw = $clog2(Block + 1);

  function automatic logic [Sw-1:0] next_slot(logic [Sw-1:0] s);
    return (32'(s) == Slots - 1) ? '0 : s + Sw'(1);
  endfunction

  logic [31:0] sa_cap_q, mask_q;
  logic [63:0] a_desc_q, a_in_q;

  // ---------------------------------------------------- descriptor reader
  typedef enum logic [1:0] {DIdle, DRead, DPush} dstate_e;
  dstate_e        dst_q;
  logic [31:0]    didx_q;           // next descriptor to read
  logic [Bw-1:0]  dn_q, dj_q;       // descriptors in the block, next to push
  logic           dgo_q;
  logic [63:0]    daddr_q;
  logic [31:0]    left, to_end;
  logic [Bw-1:0]  dn;
  logic           stop_q;           // a STOP was taken: nothing after it
  logic           push_stop;
  logic           q_push, q_pop, q_ready, q_valid;
  logic [DescW-1:0] q_wdata, q_head;
  descriptor_t      q_head_d;         // q_head's fields
  assign q_head_d = descriptor_t'(q_head);
  logic [Qw:0]    q_count;

  logic [31:0] dslot;   // descriptor didx_q's ring slot
  assign dslot  = didx_q & mask_q;
  assign left   = stop_q ? '0 : desc_prod_i - didx_q;
  assign to_end = mask_q - (didx_q & mask_q) + 32'd1;
  always_comb begin
    dn = Bw'(Block);
    if (left < 32'(dn)) dn = Bw'(left);
    if (to_end < 32'(dn)) dn = Bw'(to_end);
  end

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      dst_q  <= DIdle;
      didx_q <= '0;
      dn_q   <= '0;
      dj_q   <= '0;
      dgo_q  <= 1'b0;
      stop_q <= 1'b1;
    end else begin
      dgo_q <= 1'b0;
      if (start_i) begin
        dst_q  <= DIdle;
        didx_q <= ring_first_i;
        stop_q <= 1'b0;
      end else begin
        unique case (dst_q)
          DIdle: if (left != '0 && 32'(q_count) + 32'(dn) <= QDepth) begin
            dgo_q   <= 1'b1;
            daddr_q <= a_desc_q + (64'(dslot) << $clog2(DESCRIPTOR_SIZE));
            dn_q    <= dn;
            dst_q   <= DRead;
          end
          DRead: if (d_done_i) begin
            dj_q  <= '0;
            dst_q <= DPush;
          end
          DPush: begin
            dj_q <= dj_q + Bw'(1);
            if (push_stop) begin
              didx_q <= didx_q + 32'(dj_q) + 32'd1;
              stop_q <= 1'b1;
              dst_q  <= DIdle;
            end else if (dj_q + Bw'(1) == dn_q) begin
              didx_q <= didx_q + 32'(dn_q);
              dst_q  <= DIdle;
            end
          end
          default: dst_q <= DIdle;
        endcase
      end
    end
  end

  assign d_valid_o = dgo_q;
  assign d_addr_o  = daddr_q;
  assign d_len_o   = 32'(dn_q) << $clog2(DESCRIPTOR_SIZE);
  assign q_push    = dst_q == DPush;
  assign q_wdata   = d_rimg_i[DescW*32'(dj_q) +: DescW];
  assign push_stop = q_push && q_wdata[8*DESCRIPTOR_OP_OFFSET +: 8] == OPCODE_STOP;
  assign taken_o   = didx_q + ((dst_q == DPush) ? 32'(dj_q) : 32'd0);

  esp_fifo_sync #(
    .Width (DescW),
    .Depth (QDepth)
  ) u_queue (
    .clk_i,
    .rst_ni,
    .wvalid_i (q_push),
    .wready_o (q_ready),
    .wdata_i  (q_wdata),
    .rvalid_o (q_valid),
    .rready_i (q_pop),
    .rdata_o  (q_head),
    .count_o  (q_count)
  );

  // -------------------------------------------------------- packet reader
  typedef enum logic [1:0] {SFree, SBusy, SReady} slot_e;
  slot_e         st_q [Slots];
  logic [Sw-1:0] tail_q, head_q;
  logic [DescW-1:0] desc_q [Slots];
  logic          fgo_q;             // a read waits for f_acc_i
  logic [63:0]   faddr_q;
  logic [31:0]   flen_q;
  logic [Sw-1:0] fslot_q;

  logic d_enc, d_dec, d_malformed, d_sa_range, d_read_pkt;
  esp_desc_check u_desc_check (
    .desc_i        (q_head),
    .sa_capacity_i (sa_cap_q),
    .op_enc_o      (d_enc),
    .op_dec_o      (d_dec),
    .malformed_o   (d_malformed),
    .sa_range_o    (d_sa_range),
    .read_pkt_o    (d_read_pkt)
  );

  // the next descriptor goes into the tail slot
  assign q_pop = q_valid && st_q[tail_q] == SFree && (!fgo_q || f_acc_i);

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      for (int unsigned s = 0; s < Slots; s++) st_q[s] <= SFree;
      tail_q <= '0;
      head_q <= '0;
      fgo_q  <= 1'b0;
    end else if (start_i) begin
      for (int unsigned s = 0; s < Slots; s++) st_q[s] <= SFree;
      tail_q <= '0;
      head_q <= '0;
      fgo_q  <= 1'b0;
    end else begin
      if (f_acc_i) fgo_q <= 1'b0;
      if (q_pop) begin
        tail_q <= next_slot(tail_q);
        if (d_read_pkt) fgo_q <= 1'b1;
      end
      if (pop_i) head_q <= next_slot(head_q);
      for (int unsigned s = 0; s < Slots; s++) begin
        if (q_pop && tail_q == Sw'(s)) st_q[s] <= d_read_pkt ? SBusy : SReady;
        else if (f_done_i && f_done_slot_i == Sw'(s)) st_q[s] <= SReady;
        else if (pop_i && head_q == Sw'(s)) st_q[s] <= SFree;
      end
    end
  end

  always_ff @(posedge clk_i) begin
    if (start_i) begin
      a_desc_q <= desc_ring_i;
      a_in_q   <= pkt_in_i;
      sa_cap_q <= sa_capacity_i;
      mask_q   <= ring_mask_i;
    end
    if (q_pop) begin
      desc_q[tail_q] <= q_head;
      faddr_q <= a_in_q + q_head_d.in_offset;
      flen_q  <= q_head_d.in_length;
      fslot_q <= tail_q;
    end
  end

  assign f_valid_o = fgo_q;
  assign f_addr_o  = faddr_q;
  assign f_len_o   = flen_q;
  assign f_slot_o  = fslot_q;

  always_comb begin
    idle_o = dst_q == DIdle && left == '0 && !q_valid && !fgo_q;
    for (int unsigned s = 0; s < Slots; s++) begin
      ready_o[s] = st_q[s] == SReady;
      if (st_q[s] != SFree) idle_o = 1'b0;
    end
  end

  assign head_valid_o = st_q[head_q] == SReady;
  assign head_slot_o  = head_q;
  assign head_desc_o  = desc_q[head_q];

  logic unused_f;
  assign unused_f = ^{d_enc, d_dec, d_malformed, d_sa_range, q_ready, q_head_d.out_offset, q_head_d.out_capacity,
                     q_head_d.sa_index, q_head_d.rsvd0, q_head_d.flags, q_head_d.op};

endmodule : esp_fetch

`default_nettype wire
