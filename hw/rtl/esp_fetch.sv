// esp_fetch: the fetch stage (hw/rtl/README.md "Stages"). Walks the batch's
// descriptors in order, ahead of the process stage: reads descriptor i into
// the next free input slot and, when the descriptor needs it
// (esp_desc_check read_pkt), its input packet into that slot's buffer
// (esp_pkt_bank, producer side); then the slot is full and the process stage
// takes it in order (head_*), releasing it with pop_i when it is done with
// the buffer. With Slots buffers, up to Slots descriptors are fetched ahead.
`default_nettype none

module esp_fetch
  import esp_spec_pkg::*;
  import esp_mem_pkg::*;
#(
  parameter int unsigned Slots = 2,
  localparam int unsigned Sw = (Slots > 1) ? $clog2(Slots) : 1,
  localparam int unsigned Dw = 8 * PKT_BUS_BYTES,
  localparam int unsigned DescW = 8 * DESCRIPTOR_SIZE
) (
  input  wire logic             clk_i,
  input  wire logic             rst_ni,

  // a batch starts (arguments sampled)
  input  wire logic             start_i,
  input  wire logic [63:0]      desc_i,
  input  wire logic [63:0]      pkt_in_i,
  input  wire logic [31:0]      n_desc_i,
  input  wire logic [31:0]      sa_capacity_i,
  output      logic             idle_o,

  // esp_mem_access, fetch client
  output      logic             mem_valid_o,
  output      mem_cmd_e         mem_cmd_o,
  output      logic [63:0]      mem_addr_o,
  output      logic [31:0]      mem_len_o,
  input  wire logic             mem_done_i,
  input  wire logic [2*Dw-1:0]  mem_rimg_i,

  // the slots: which are full, which one is being filled
  output      logic [Slots-1:0] full_o,
  output      logic [Sw-1:0]    fill_slot_o,

  // the oldest full slot, for the process stage
  output      logic             head_valid_o,
  output      logic [Sw-1:0]    head_slot_o,
  output      logic [DescW-1:0] head_desc_o,
  input  wire logic             pop_i
);

  typedef enum logic [2:0] {StIdle, StNext, StDesc, StCheck, StPkt} state_e;

  state_e        state_q, state_d;
  logic [31:0]   idx_q, n_q, sa_cap_q;
  logic [63:0]   a_desc_q, a_in_q;
  logic [Sw-1:0] tail_q, head_q;
  logic [Slots-1:0] full_q;
  logic [DescW-1:0] desc_q [Slots];

  logic          go_q, go_d;
  mem_cmd_e      cmd_q, cmd_d;
  logic [63:0]   addr_q, addr_d;
  logic [31:0]   len_q, len_d;
  logic          commit;

  function automatic logic [Sw-1:0] next_slot(logic [Sw-1:0] s);
    return (32'(s) == Slots - 1) ? '0 : s + Sw'(1);
  endfunction

  logic [DescW-1:0] d;
  logic             d_enc, d_dec, d_malformed, d_sa_range, d_read_pkt;
  assign d = mem_rimg_i[DescW-1:0];
  esp_desc_check u_desc_check (
    .desc_i        (desc_q[tail_q]),
    .sa_capacity_i (sa_cap_q),
    .op_enc_o      (d_enc),
    .op_dec_o      (d_dec),
    .malformed_o   (d_malformed),
    .sa_range_o    (d_sa_range),
    .read_pkt_o    (d_read_pkt)
  );

  always_comb begin
    state_d = state_q;
    go_d = 1'b0; cmd_d = cmd_q; addr_d = addr_q; len_d = len_q;
    commit = 1'b0;
    unique case (state_q)
      StIdle: if (start_i) state_d = StNext;
      StNext: begin
        if (idx_q == n_q) state_d = StIdle;
        else if (!full_q[tail_q]) begin
          go_d = 1'b1; cmd_d = CmdRdStruct;
          addr_d = a_desc_q + (64'(idx_q) << $clog2(DESCRIPTOR_SIZE)); len_d = DESCRIPTOR_SIZE;
          state_d = StDesc;
        end
      end
      // The descriptor lands in its slot's register with mem_done_i; the
      // checks look at it from the next cycle.
      StDesc: if (mem_done_i) state_d = StCheck;
      StCheck: begin
        if (d_read_pkt) begin
          go_d = 1'b1; cmd_d = CmdRdPkt;
          addr_d = a_in_q + desc_q[tail_q][8*DESCRIPTOR_IN_OFFSET_OFFSET +: DESCRIPTOR_IN_OFFSET_WIDTH];
          len_d = desc_q[tail_q][8*DESCRIPTOR_IN_LENGTH_OFFSET +: DESCRIPTOR_IN_LENGTH_WIDTH];
          state_d = StPkt;
        end else begin
          commit = 1'b1;
          state_d = StNext;
        end
      end
      StPkt: if (mem_done_i) begin
        commit = 1'b1;
        state_d = StNext;
      end
      default: state_d = StIdle;
    endcase
  end

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      state_q <= StIdle;
      idx_q   <= '0;
      n_q     <= '0;
      tail_q  <= '0;
      head_q  <= '0;
      full_q  <= '0;
      go_q    <= 1'b0;
      cmd_q   <= CmdRdStruct;
    end else begin
      state_q <= state_d;
      go_q    <= go_d;
      cmd_q   <= cmd_d;
      if (state_q == StIdle && start_i) begin
        idx_q  <= '0;
        n_q    <= n_desc_i;
        tail_q <= '0;
        head_q <= '0;
        full_q <= '0;
      end else begin
        if (commit) begin
          idx_q  <= idx_q + 32'd1;
          tail_q <= next_slot(tail_q);
        end
        if (pop_i) head_q <= next_slot(head_q);
        for (int unsigned s = 0; s < Slots; s++) begin
          if (commit && tail_q == Sw'(s)) full_q[s] <= 1'b1;
          else if (pop_i && head_q == Sw'(s)) full_q[s] <= 1'b0;
        end
      end
    end
  end

  always_ff @(posedge clk_i) begin
    if (state_q == StIdle && start_i) begin
      a_desc_q <= desc_i;
      a_in_q   <= pkt_in_i;
      sa_cap_q <= sa_capacity_i;
    end
    addr_q <= addr_d;
    len_q  <= len_d;
    if (state_q == StDesc && mem_done_i) desc_q[tail_q] <= d;
  end

  assign idle_o       = state_q == StIdle;
  assign mem_valid_o  = go_q;
  assign mem_cmd_o    = cmd_q;
  assign mem_addr_o   = addr_q;
  assign mem_len_o    = len_q;
  assign full_o       = full_q;
  assign fill_slot_o  = tail_q;
  assign head_valid_o = full_q[head_q];
  assign head_slot_o  = head_q;
  assign head_desc_o  = desc_q[head_q];

  logic unused_f;
  assign unused_f = ^{mem_rimg_i[2*Dw-1:DescW], d_enc, d_dec, d_malformed, d_sa_range};

endmodule : esp_fetch

`default_nettype wire
