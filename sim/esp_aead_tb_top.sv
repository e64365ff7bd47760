// Testbench top of esp_aead (sim/esp_aead_tb.cpp): the unit between two
// esp_pkt_ram buffers. While tb_own_i is high the testbench owns the
// buffers' ports (fills ibuf and obuf, reads obuf back); otherwise esp_aead
// does. key_setups_o counts the key setups the unit started (key store
// misses; a wipe is not one); slot_o shows the key slot of SA index
// slot_idx_i ({klen, H^1..H^4, key}: zero after a wipe);
// ob_*_o and ic_*_o show its obuf writes, the writer's and T's ICV writes
// (none may touch a job's bytes once answered). In the engine each job has
// its own output slot; here one obuf takes both ports' writes in a cycle
// (disjoint bytes, possibly of one word).
`default_nettype none

module esp_aead_tb_top
  import esp_spec_pkg::*;
  import esp_unit_pkg::*;
(
  input  wire logic          clk_i,
  input  wire logic          rst_ni,

  input  wire logic          req_valid_i,
  input  wire logic          req_wipe_i,
  input  wire logic          req_setup_i,
  output      logic          req_ready_o,
  input  wire logic          req_encrypt_i,
  input  wire logic          req_gmac_i,
  input  wire logic          req_esn_i,
  input  wire logic          req_aes256_i,
  input  wire logic [255:0]  req_key_i,
  input  wire logic [31:0]   req_sa_index_i,
  input  wire logic [31:0]   req_generation_i,
  input  wire logic [31:0]   req_salt_i,
  input  wire logic [31:0]   req_spi_i,
  input  wire logic [63:0]   req_seq_i,
  input  wire pkt_len_t      req_src_off_i,
  input  wire pkt_len_t      req_dst_off_i,
  input  wire pkt_len_t      req_len_i,
  input  wire logic [4:0]    req_icv_len_i,
  input  wire logic          req_trl_i,      // encrypt: the ESP trailer on esp_aead's stream
  input  wire pkt_len_t      req_pay_len_i,
  input  wire logic [7:0]    req_nh_i,

  output      logic          rsp_valid_o,
  input  wire logic          rsp_ready_i,
  output      logic          rsp_auth_ok_o,
  output      logic [15:0]   rsp_sum_o,
  output      logic          rsp_trl_ok_o,   // a decrypt's esp_dec_watch answer (aead_rsp_t.dec)
  output      logic [7:0]    rsp_nh_o,
  output      logic          rsp_in_slow_o,
  output      logic [15:0]   rsp_in_status_o,
  output      pkt_len_t      rsp_in_len_o,

  input  wire logic          tb_own_i,
  input  wire logic          tb_ib_we_i,
  input  wire logic          tb_ob_we_i,
  input  wire logic [7:0]    tb_addr_i,
  input  wire logic [511:0]  tb_wdata_i,
  output      logic [511:0]  tb_ob_rdata_o,

  output      logic [31:0]   key_setups_o,
  output      logic          ob_we_o,        // esp_aead's obuf write port, watched
  output      logic [7:0]    ob_waddr_o,
  output      logic [63:0]   ob_wbe_o,
  output      logic          ic_we_o,        // esp_aead's ICV write port, watched
  output      logic [7:0]    ic_waddr_o,
  output      logic [63:0]   ic_wbe_o,
  input  wire logic [15:0]   slot_idx_i,
  output      logic [769:0]  slot_o
);

  logic          ib_re;
  logic [7:0]    ib_raddr;
  logic [511:0]  ib_rdata;
  logic          ob_we;
  logic [7:0]    ob_waddr;
  logic [63:0]   ob_wbe;
  logic [511:0]  ob_wdata;
  logic          ic_we;
  logic [7:0]    ic_waddr;
  logic [63:0]   ic_wbe;
  logic [511:0]  ic_wdata;

  // the request and response, from / to the tb's flat ports
  logic          unused_rd_idle, unused_ob_slot, unused_ic_slot;   // one obuf; the tb reads after each answer
  aead_req_t req;
  aead_rsp_t rsp;
  assign req = '{wipe: req_wipe_i, setup: req_setup_i, encrypt: req_encrypt_i, gmac: req_gmac_i, esn: req_esn_i, aes256: req_aes256_i, key: req_key_i,
                 sa_index: req_sa_index_i, generation: req_generation_i, salt: req_salt_i, spi: req_spi_i,
                 seq: req_seq_i, src_off: req_src_off_i, dst_off: req_dst_off_i, len: req_len_i,
                 icv_len: req_icv_len_i, trl: req_trl_i, pay_len: req_pay_len_i, nh: req_nh_i};
  assign rsp_auth_ok_o = rsp.auth_ok;
  assign rsp_sum_o     = rsp.sum;
  assign rsp_trl_ok_o    = rsp.dec.trl_ok;
  assign rsp_nh_o        = rsp.dec.nh;
  assign rsp_in_slow_o   = rsp.dec.in_slow;
  assign rsp_in_status_o = rsp.dec.in_status;
  assign rsp_in_len_o    = rsp.dec.in_len;

  esp_aead u_aead (
    .clk_i            (clk_i),
    .rst_ni           (rst_ni),
    .req_valid_i      (req_valid_i),
    .req_ready_o      (req_ready_o),
    .req_i            (req),
    .req_oslot_i      (1'b0),
    .rd_idle_o        (unused_rd_idle),
    .ibuf_re_o        (ib_re),
    .ibuf_raddr_o     (ib_raddr),
    .ibuf_rdata_i     (ib_rdata),
    .obuf_we_o        (ob_we),
    .obuf_slot_o      (unused_ob_slot),
    .obuf_waddr_o     (ob_waddr),
    .obuf_wbe_o       (ob_wbe),
    .obuf_wdata_o     (ob_wdata),
    .icv_we_o         (ic_we),
    .icv_slot_o       (unused_ic_slot),
    .icv_waddr_o      (ic_waddr),
    .icv_wbe_o        (ic_wbe),
    .icv_wdata_o      (ic_wdata),
    .rsp_valid_o      (rsp_valid_o),
    .rsp_ready_i      (rsp_ready_i),
    .rsp_o            (rsp)
  );


  esp_pkt_ram u_ibuf (
    .clk_i   (clk_i),
    .we_i    (tb_own_i && tb_ib_we_i),
    .waddr_i (tb_addr_i),
    .wbe_i   ('1),
    .wdata_i (tb_wdata_i),
    .re_i    (!tb_own_i && ib_re),
    .raddr_i (ib_raddr),
    .rdata_o (ib_rdata)
  );

  // obuf: the tb's port, or esp_aead's two write ports
  logic [511:0] obuf_q [256];
  always_ff @(posedge clk_i) begin
    if (tb_own_i) begin
      if (tb_ob_we_i) obuf_q[tb_addr_i] <= tb_wdata_i;
      tb_ob_rdata_o <= obuf_q[tb_addr_i];
    end else begin
      for (int unsigned b = 0; b < 64; b++) begin
        if (ob_we && ob_wbe[b]) obuf_q[ob_waddr][8*b +: 8] <= ob_wdata[8*b +: 8];
        if (ic_we && ic_wbe[b]) obuf_q[ic_waddr][8*b +: 8] <= ic_wdata[8*b +: 8];
      end
    end
  end

  // Key setups started by the unit (its core's key port).
  logic [31:0] setups_q;

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) setups_q <= '0;
    else if (u_aead.u_core.key_valid_i && u_aead.u_core.key_ready_o && !u_aead.u_core.key_wipe_i)
      setups_q <= setups_q + 1'b1;
  end

  assign key_setups_o = setups_q;
  assign slot_o       = u_aead.u_core.slot_mem[slot_idx_i];
  assign ob_we_o      = !tb_own_i && ob_we;
  assign ob_waddr_o   = ob_waddr;
  assign ob_wbe_o     = ob_wbe;
  assign ic_we_o      = !tb_own_i && ic_we;
  assign ic_waddr_o   = ic_waddr;
  assign ic_wbe_o     = ic_wbe;

endmodule

`default_nettype wire
