// esp_mem_access: every card-memory access of the engine, over the AXI4
// master (esp_mem_rd + esp_mem_wr), for the clients of the three stages,
// which run at the same time (hw/rtl/README.md "Stages"):
//
//   p_*  the process stage (esp_batch_ctrl): CmdRdStruct, CmdWrStruct, CmdFill
//   d_*  the fetch stage's descriptor reader (esp_desc_stream): a streaming
//        read of d_len_i bytes from the beat holding d_addr_i, its beats
//        handed out in order (d_beat_o / d_data_o; the client knows where
//        its bytes are in them); d_valid_i is a level, held with its fields
//        until d_acc_o, and several reads may be in flight
//   f_*  the fetch stage's packet reader (esp_pkt_stream): CmdRdPkt for
//        ticket f_slot_i; f_valid_i is a level, held with its fields until
//        f_acc_o, and several reads may be in flight; each beat goes out on
//        ibuf_* with its ticket and its word in the packet (ibuf_last_o with
//        the packet's last), the input buffer maps the ticket to its words
//        (esp_in_ring); ibuf_stall_i holds R (the buffer's write port is
//        taken)
//   w_*  the write-back stage (esp_writeback): CmdWrPkt (from its output
//        buffer), CmdWrStruct (completions)
//
// p and w issue one command at a time: a one-cycle *_valid_i pulse with
// the command's fields, which it holds until the command is taken
// (*_acc_o: the engine has latched what it needs; a writer may go on and
// issue its next command, the write is "posted") or, for a read, until its
// *_done_o pulse. A write's *_wdone_o pulses when its responses are in. Reads and
// writes run concurrently (AR/R and AW/W/B are independent channels), and
// each engine keeps several clients' jobs outstanding (their latencies
// overlap; the data and responses come back in order, tagged with the
// client). Each engine takes one job per cycle (into its queue: esp_mem_rd,
// esp_mem_wr), the process stage's first when two clients wait (it is the
// pipeline's critical path); up to 32 jobs of each engine are in flight. The
// process stage has at most PWrMax writes without their responses (its own
// count is that wide); a write-back job is taken while the write queue
// holds fewer than WAhead jobs (the one on W included), so that a process
// write waits little on W. A write-back job names its output slot
// (w_slot_i: the write-back stage's drain slot when the job is taken); its
// beats are read from that slot (obuf_rslot_o with obuf_re_o), and
// obuf_busy_o[s] is set while a packet job of slot s is taken and its last
// beat is not yet out of the buffer. The completion (after which the
// write-back stage frees the slot) is taken at once, so the next packet
// streams right behind it; the caller keeps a busy slot from the process
// stage (esp_engine: neither handed out nor written) until its beats are out.
//
//   CmdRdStruct  read len bytes at the 8-byte-aligned addr (p: up to 4 beats;
//                len + addr % 64 must fit); the image holds them
//                from byte 0 (little-endian, as in card memory) from done
//                until the client's next command
//   CmdWrStruct  write the bytes of wimg selected by wmask (byte k at addr +
//                k, addr 8-byte aligned; one or two beats with byte strobes)
//   CmdRdPkt     read ceil(len/64) beats at the 64-byte-aligned addr into the
//                input buffer from word 0 of the ticket (the HLS read_pkt)
//   CmdWrPkt     write ceil(len/64) beats of the output buffer from word
//                w_base_i at the 64-byte-aligned addr; bytes at or past len are written as 0,
//                bytes at or past cap are not written (strobes): nothing
//                outside [addr, addr + cap) changes (the HLS write_pkt)
//   CmdFill      write len zero bytes at the 8-byte-aligned addr (strobes)
//
// done pulses the cycle after a read's last beat has arrived or a write's
// responses have all arrived (a later read sees the data). The clients touch
// disjoint card memory while they overlap (fetch: descriptors, input packets;
// write-back: output packets, completions; process: SA table, counters, SPI
// table, replay state), so no ordering between them is needed.
`default_nettype none

module esp_mem_access
  import esp_spec_pkg::*;
  import esp_mem_pkg::*;
#(
  parameter int unsigned Depth = 256,
  parameter int unsigned Slots = 64,      // fetch tickets (esp_pkt_stream)
  parameter int unsigned RdJobs = 64,     // read jobs in flight (esp_mem_rd)
  parameter int unsigned PWrMax = 31,     // the process stage's writes without responses, at most
  parameter int unsigned WAhead = 2,      // write-back jobs taken while the write queue holds fewer
  parameter int unsigned OSlots = 4,      // output slots (esp_out_bank)
  localparam int unsigned OSw = (OSlots > 1) ? $clog2(OSlots) : 1,
  localparam int unsigned Aw = $clog2(Depth),
  localparam int unsigned Sw = (Slots > 1) ? $clog2(Slots) : 1,
  localparam int unsigned Dw = 8 * PKT_BUS_BYTES,
  localparam int unsigned NB = PKT_BUS_BYTES,
  localparam int unsigned PImgBeats = 4
) (
  input  wire logic                      clk_i,
  input  wire logic                      rst_ni,

  // process stage
  input  wire logic                      p_valid_i,
  input  wire mem_cmd_e                  p_cmd_i,
  input  wire logic [63:0]               p_addr_i,
  input  wire logic [31:0]               p_len_i,
  input  wire logic [Dw-1:0]             p_wimg_i,
  input  wire logic [NB-1:0]             p_wmask_i,
  output      logic                      p_acc_o,
  output      logic                      p_done_o,
  output      logic                      p_wdone_o,
  output      logic [PImgBeats*Dw-1:0]   p_rimg_o,

  // fetch stage: descriptors
  input  wire logic                      d_valid_i,
  input  wire logic [63:0]               d_addr_i,
  input  wire logic [31:0]               d_len_i,
  output      logic                      d_acc_o,
  output      logic                      d_beat_o,
  output      logic [Dw-1:0]             d_data_o,

  // fetch stage: packets
  input  wire logic                      f_valid_i,
  input  wire logic [63:0]               f_addr_i,
  input  wire logic [31:0]               f_len_i,
  input  wire logic [Sw-1:0]             f_slot_i,
  output      logic                      f_acc_o,
  output      logic                      ibuf_we_o,
  output      logic [Sw-1:0]             ibuf_slot_o,
  output      logic [Aw-1:0]             ibuf_waddr_o,
  output      logic [Dw-1:0]             ibuf_wdata_o,
  output      logic                      ibuf_last_o,
  input  wire logic                      ibuf_stall_i,

  // write-back stage
  input  wire logic                      w_valid_i,
  input  wire mem_cmd_e                  w_cmd_i,
  input  wire logic [63:0]               w_addr_i,
  input  wire logic [31:0]               w_len_i,
  input  wire logic [31:0]               w_cap_i,
  input  wire logic [Aw-1:0]             w_base_i,     // CmdWrPkt: first buffer word
  input  wire logic [Dw-1:0]             w_wimg_i,
  input  wire logic [NB-1:0]             w_wmask_i,
  input  wire logic [OSw-1:0]            w_slot_i,     // the output slot of the job
  output      logic                      w_acc_o,
  output      logic                      w_wdone_o,
  output      logic                      obuf_re_o,
  output      logic [Aw-1:0]             obuf_raddr_o,
  output      logic [OSw-1:0]            obuf_rslot_o,
  output      logic [OSlots-1:0]         obuf_busy_o,
  input  wire logic [Dw-1:0]             obuf_rdata_i,

  output      axi_req_t                  axi_o,    // AXI4 master (esp_mem_pkg)
  input  wire axi_rsp_t                  axi_i
);

  localparam int unsigned BeatShift = $clog2(PKT_BUS_BYTES);
  localparam int unsigned WordShift = $clog2(CTL_WORD_BYTES);
  localparam int unsigned ShW = BeatShift - WordShift;   // 8-byte words into the first beat

  // Beats of a job; lo = the address's offset in its beat (8-byte aligned
  // for structs).
  function automatic logic [15:0] job_beats(mem_cmd_e cmd, logic [BeatShift-1:0] lo, logic [31:0] len,
                                            logic [NB-1:0] wmask);
    logic [31:0]   span;
    logic [2*NB-1:0] strb2;
    logic [15:0]   n;
    if (cmd == CmdRdPkt || cmd == CmdWrPkt) span = len;
    else span = len + 32'(lo);
    strb2 = {{NB{1'b0}}, wmask} << (CTL_WORD_BYTES * lo[BeatShift-1:WordShift]);
    if (cmd == CmdWrStruct) n = ((strb2 >> NB) != '0) ? 16'd2 : 16'd1;
    else n = 16'((span + 32'(NB - 1)) >> BeatShift);
    return n;
  endfunction

  // ------------------------------------------------------------- requests
  // A pulse is a request until its engine takes it (in the same cycle when
  // the engine is free).
  logic p_rd_pend_q, p_wr_pend_q, w_wr_pend_q;
  logic p_rd_req, p_wr_req, w_wr_req;
  logic rd_ready, wr_ready, rd_start, wr_start, rd_pick_p, rd_pick_d, wr_pick_p;
  logic p_wr_ok, w_wr_ok;
  assign p_rd_req = p_rd_pend_q | (p_valid_i & (p_cmd_i == CmdRdStruct));
  assign p_wr_req = p_wr_pend_q | (p_valid_i & (p_cmd_i != CmdRdStruct));
  assign w_wr_req = w_wr_pend_q | w_valid_i;

  // reads: the process stage, then descriptors, then packets
  assign rd_pick_p = p_rd_req;
  assign rd_pick_d = !p_rd_req && d_valid_i;
  assign rd_start  = rd_ready && (p_rd_req || d_valid_i || f_valid_i);
  assign d_acc_o   = rd_start && rd_pick_d;
  assign f_acc_o   = rd_start && !rd_pick_p && !rd_pick_d;
  assign wr_pick_p = p_wr_req && p_wr_ok;               // else the write-back stage
  assign wr_start  = wr_ready && (wr_pick_p || (w_wr_req && w_wr_ok));

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      p_rd_pend_q <= 1'b0;
      p_wr_pend_q <= 1'b0;
      w_wr_pend_q <= 1'b0;
    end else begin
      p_rd_pend_q <= p_rd_req & ~(rd_start & rd_pick_p);
      p_wr_pend_q <= p_wr_req & ~(wr_start & wr_pick_p);
      w_wr_pend_q <= w_wr_req & ~(wr_start & !wr_pick_p);
    end
  end

  // ------------------------------------------------------------------ reads
  // A read job's tag: whose (process stage, descriptors, else a packet), the
  // ticket of a packet, the 8-byte word offset of a struct in its first beat.
  typedef struct packed {
    logic           p;
    logic           d;
    logic [Sw-1:0]  slot;
    logic [ShW-1:0] sh;
  } rd_tag_t;
  rd_tag_t         rd_tag, beat_tag, done_tag;
  logic [63:0]     rd_addr;
  logic [15:0]     rd_beats;
  logic            rd_done, rd_beat, rd_busy;
  logic [15:0]     rd_idx;
  logic [Dw-1:0]   rd_data;
  logic [PImgBeats*Dw-1:0] p_img_q;
  logic [ShW-1:0]  p_sh_q;

  always_comb begin
    if (rd_pick_p) begin
      rd_addr  = p_addr_i;
      rd_beats = job_beats(CmdRdStruct, p_addr_i[BeatShift-1:0], p_len_i, '0);
    end else if (rd_pick_d) begin
      rd_addr  = d_addr_i;
      rd_beats = job_beats(CmdRdStruct, d_addr_i[BeatShift-1:0], d_len_i, '0);
    end else begin
      rd_addr  = f_addr_i;
      rd_beats = job_beats(CmdRdPkt, f_addr_i[BeatShift-1:0], f_len_i, '0);
    end
  end
  assign rd_tag = {rd_pick_p, rd_pick_d, f_slot_i, rd_addr[BeatShift-1:WordShift]};  // p, d, slot, sh

  esp_mem_rd #(
    .TagW ($bits(rd_tag_t)),
    .Jobs (RdJobs)
  ) u_rd (
    .clk_i,
    .rst_ni,
    .start_i      (rd_start),
    .addr_i       (rd_addr),
    .beats_i      (rd_beats),
    .tag_i        (rd_tag),
    .ready_o      (rd_ready),
    .busy_o       (rd_busy),
    .done_o       (rd_done),
    .done_tag_o   (done_tag),
    .stall_i      (ibuf_stall_i),
    .beat_valid_o (rd_beat),
    .beat_tag_o   (beat_tag),
    .beat_idx_o   (rd_idx),
    .beat_data_o  (rd_data),
    .axi_o        (axi_o.rd),
    .axi_i        (axi_i.rd)
  );

  // Each image beat is written at a constant position when its index comes
  // (a computed-index part-select write is a shifter of the whole image to
  // synthesis: 52k of esp_mem_access's 62k LUTs in yosys 0.23).
  always_ff @(posedge clk_i) begin
    for (int unsigned k = 0; k < PImgBeats; k++) begin
      if (rd_beat && beat_tag.p && rd_idx == 16'(k)) p_img_q[Dw*k +: Dw] <= rd_data;
    end
    if (rd_beat && beat_tag.p && rd_idx < 16'(PImgBeats)) p_sh_q <= beat_tag.sh;
  end

  assign d_beat_o     = rd_beat & beat_tag.d;
  assign d_data_o     = rd_data;
  assign ibuf_we_o    = rd_beat & !beat_tag.p & !beat_tag.d;
  assign ibuf_slot_o  = beat_tag.slot;
  assign ibuf_waddr_o = Aw'(rd_idx);
  assign ibuf_wdata_o = rd_data;
  assign ibuf_last_o  = rd_done;
  assign p_rimg_o     = p_img_q >> (8 * CTL_WORD_BYTES * p_sh_q);

  // ----------------------------------------------------------------- writes
  // What a write job's beats are made of; it travels with the job through
  // esp_mem_wr's queue (the job is taken at once, its data goes out later).
  typedef struct packed {
    logic           p;       // the process stage's
    mem_cmd_e       cmd;
    logic [ShW-1:0] sh;      // struct: 8-byte words into the first beat
    logic [31:0]    len;     // packet: bytes from len on are written as 0
    logic [31:0]    lo, hi;  // bytes [lo, hi) of the job's beats are written (strobes)
    logic [Aw-1:0]  base;    // packet: first output buffer word
    logic [OSw-1:0] slot;    // write-back: the output slot
    logic [Dw-1:0]  img;     // struct: the image
    logic [NB-1:0]  mask;    // struct: its bytes to write
  } wr_pay_t;

  localparam int unsigned WQDepth = 4;
  localparam int unsigned WqW = $clog2(WQDepth);
  mem_cmd_e        wr_cmd;
  logic [63:0]     wr_addr;
  logic [31:0]     wr_len;
  logic [NB-1:0]   wr_mask;
  wr_pay_t         wr_pay, src_pay, fmt_pay;
  logic            wr_done, wr_done_p, wr_busy, src_re, fmt_valid, fmt_jlast;
  logic [15:0]     src_idx, fmt_idx;
  logic [Dw-1:0]   src_data;
  logic [NB-1:0]   src_strb;
  logic [WqW:0]    wq_count;
  localparam int unsigned PoW = $clog2(PWrMax + 1);
  logic [PoW-1:0]  p_out_q;    // the process stage's writes taken, responses not in
  logic [2:0]      wpkt_q [OSlots];  // per output slot: packet writes taken whose beats are not all out of the buffer

  assign wr_cmd  = wr_pick_p ? p_cmd_i : w_cmd_i;
  assign wr_addr = wr_pick_p ? p_addr_i : w_addr_i;
  assign wr_len  = wr_pick_p ? p_len_i : w_len_i;
  assign wr_mask = wr_pick_p ? p_wmask_i : w_wmask_i;

  // The process stage's write first (it is waiting), while it has fewer than
  // PWrMax writes without their responses (its own count is that wide). The
  // write-back stage's job is taken while the write queue holds fewer than
  // WAhead jobs, the one on W included (its packets must not delay a process
  // write by more), its completion likewise (obuf_busy_o keeps the slot
  // from the process stage until the packet's beats are out of it).
  assign p_wr_ok = p_out_q != PoW'(PWrMax);
  assign w_wr_ok = 32'(wq_count) < WAhead;

  always_comb begin
    wr_pay.p    = wr_pick_p;
    wr_pay.cmd  = wr_cmd;
    wr_pay.sh   = wr_addr[BeatShift-1:WordShift];
    wr_pay.len  = wr_len;
    wr_pay.base = w_base_i;
    wr_pay.slot = w_slot_i;
    wr_pay.img  = wr_pick_p ? p_wimg_i : w_wimg_i;
    wr_pay.mask = wr_mask;
    if (wr_cmd == CmdWrPkt) begin
      wr_pay.lo = '0;
      wr_pay.hi = w_cap_i;
    end else begin
      wr_pay.lo = 32'(wr_addr[BeatShift-1:0]);
      wr_pay.hi = 32'(wr_addr[BeatShift-1:0]) + wr_len;
    end
  end

  esp_mem_wr #(
    .TagW   (1),
    .Jobs   (32),
    .PayW   ($bits(wr_pay_t)),
    .QDepth (WQDepth)
  ) u_wr (
    .clk_i,
    .rst_ni,
    .start_i     (wr_start),
    .addr_i      (wr_addr),
    .beats_i     (job_beats(wr_cmd, wr_addr[BeatShift-1:0], wr_len, wr_mask)),
    .tag_i       (wr_pick_p),
    .pay_i       (wr_pay),
    .ready_o     (wr_ready),
    .q_count_o   (wq_count),
    .busy_o      (wr_busy),
    .done_o      (wr_done),
    .done_tag_o  (wr_done_p),
    .src_re_o    (src_re),
    .src_idx_o   (src_idx),
    .src_pay_o   (src_pay),
    .fmt_valid_o (fmt_valid),
    .fmt_jlast_o (fmt_jlast),
    .fmt_idx_o   (fmt_idx),
    .fmt_pay_o   (fmt_pay),
    .src_data_i  (src_data),
    .src_strb_i  (src_strb),
    .axi_o       (axi_o.wr),
    .axi_i       (axi_i.wr)
  );

  logic p_wr_take, p_wr_resp, wpkt_take, wpkt_out;
  assign p_wr_take = wr_start && wr_pick_p;
  assign p_wr_resp = wr_done && wr_done_p;
  assign wpkt_take = wr_start && !wr_pick_p && (wr_cmd == CmdWrPkt);
  assign wpkt_out  = fmt_valid && fmt_jlast && (fmt_pay.cmd == CmdWrPkt);

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      p_out_q <= '0;
      for (int unsigned s = 0; s < OSlots; s++) wpkt_q[s] <= '0;
    end else begin
      p_out_q <= p_out_q + PoW'(p_wr_take) - PoW'(p_wr_resp);
      for (int unsigned s = 0; s < OSlots; s++) begin
        wpkt_q[s] <= wpkt_q[s] + 3'(wpkt_take && w_slot_i == OSw'(s))
                               - 3'(wpkt_out && fmt_pay.slot == OSw'(s));
      end
    end
  end
  for (genvar s = 0; s < OSlots; s++) begin : g_busy
    assign obuf_busy_o[s] = wpkt_q[s] != '0;
  end

  assign obuf_re_o    = src_re & (src_pay.cmd == CmdWrPkt);
  assign obuf_raddr_o = src_idx[Aw-1:0] + src_pay.base;
  assign obuf_rslot_o = src_pay.slot;

  logic [2*Dw-1:0] wdata2;
  logic [2*NB-1:0] wstrb2;
  assign wdata2 = {{Dw{1'b0}}, fmt_pay.img} << (8 * CTL_WORD_BYTES * fmt_pay.sh);
  assign wstrb2 = {{NB{1'b0}}, fmt_pay.mask} << (CTL_WORD_BYTES * fmt_pay.sh);

  // the beat of the job in esp_mem_wr's format stage (the buffer's data
  // for a packet: read in the cycle before)
  always_comb begin
    logic [31:0] pos;
    pos = '0;
    src_data = '0;
    src_strb = '0;
    if (fmt_pay.cmd == CmdWrStruct) begin
      src_data = fmt_idx[0] ? wdata2[2*Dw-1:Dw] : wdata2[Dw-1:0];
      src_strb = fmt_idx[0] ? wstrb2[2*NB-1:NB] : wstrb2[NB-1:0];
    end else begin
      for (int unsigned b = 0; b < NB; b++) begin
        pos = (32'(fmt_idx) << BeatShift) + 32'(b);
        src_strb[b] = (pos >= fmt_pay.lo) && (pos < fmt_pay.hi);
        if (fmt_pay.cmd == CmdWrPkt && pos < fmt_pay.len) src_data[8*b +: 8] = obuf_rdata_i[8*b +: 8];
      end
    end
  end

  // ------------------------------------------------------------------- done
  logic p_done_q, p_wdone_q, w_wdone_q;
  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      p_done_q  <= 1'b0;
      p_wdone_q <= 1'b0;
      w_wdone_q <= 1'b0;
    end else begin
      p_done_q  <= rd_done & done_tag.p;
      p_wdone_q <= wr_done & wr_done_p;
      w_wdone_q <= wr_done & !wr_done_p;
    end
  end
  assign p_done_o  = p_done_q;
  assign p_wdone_o = p_wdone_q;
  assign w_wdone_o = w_wdone_q;
  assign p_acc_o   = (rd_start & rd_pick_p) | (wr_start & wr_pick_p);
  assign w_acc_o   = wr_start & !wr_pick_p;

  logic unused_acc;
  assign unused_acc = ^{src_idx[15:Aw], rd_busy, wr_busy, done_tag.sh, done_tag.slot, done_tag.d, src_pay.p, src_pay.sh, src_pay.len,
                        src_pay.lo, src_pay.hi, src_pay.img, src_pay.mask, fmt_pay.p, fmt_pay.base};

endmodule : esp_mem_access

`default_nettype wire
