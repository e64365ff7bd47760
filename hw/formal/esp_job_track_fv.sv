// esp_job_track_fv: the properties of esp_job_track (hw/rtl), the answer
// counting of esp_mem_rd / esp_mem_wr, checked by hw/formal/run_formal.py
// (yosys-smtbmc, bounded from reset).
//
// The environment pushes jobs (only when ready_o) of 1..3 answers, each
// tagged with its push number, and gives answers (only when valid_o). A
// reference model in this wrapper (the pushed answer counts, in order, and
// the answers the head job has had) says what must happen: every answer
// goes to the oldest job; done_o marks exactly the answer that completes it
// (no job completes early or late, none is lost or completes twice); the
// head's tag is the oldest push's; head_idx_o counts the head's answers so
// far and stays below its answer count (the credit never underflows); at
// most Jobs jobs wait, and ready_o / valid_o say "not full" / "not empty".
`default_nettype none

module esp_job_track_fv (
  input wire logic       clk_i,
  input wire logic       rst_ni,
  input wire logic       push_i,
  input wire logic [1:0] push_n_sel_i,   // answers of a pushed job: 1..3
  input wire logic       event_i
);
  localparam int unsigned TagW = 4;
  localparam int unsigned Jobs = 4;
  // Answer counts of 1..3 need 2 bits; 3 bits keep the wrap of an index
  // that ran past its count visible (the module's default is 16).
  localparam int unsigned NW   = 3;

  logic            ready, valid, done;
  logic [TagW-1:0] head_tag;
  logic [NW-1:0]   head_idx, push_n;
  logic [TagW-1:0] n_push_q, n_done_q;   // jobs pushed / completed (mod 16)

  assign push_n = NW'(push_n_sel_i);

  esp_job_track #(
    .TagW (TagW),
    .Jobs (Jobs),
    .NW   (NW)
  ) dut (
    .clk_i,
    .rst_ni,
    .push_i,
    .push_n_i   (push_n),
    .push_tag_i (n_push_q),
    .ready_o    (ready),
    .event_i,
    .valid_o    (valid),
    .head_tag_o (head_tag),
    .head_idx_o (head_idx),
    .done_o     (done)
  );

  // Reference model: the answer counts of the waiting jobs, oldest first,
  // and the answers the oldest has had.
  logic [1:0]  model_n_q [Jobs];
  logic [2:0]  model_count_q;
  logic [NW-1:0] model_idx_q;
  logic        model_done;
  assign model_done = valid && event_i && (model_idx_q + NW'(1) == NW'(model_n_q[0]));

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      n_push_q      <= '0;
      n_done_q      <= '0;
      model_count_q <= '0;
      model_idx_q   <= '0;
      for (int i = 0; i < Jobs; i++) model_n_q[i] <= '0;
    end else begin
      if (push_i && ready) n_push_q <= n_push_q + 1'b1;
      if (done) n_done_q <= n_done_q + 1'b1;
      if (valid && event_i) model_idx_q <= model_done ? '0 : model_idx_q + NW'(1);
      // pop the oldest, then append the pushed one behind the rest
      for (int i = 0; i < Jobs; i++) begin
        if (model_done) model_n_q[i] <= (i + 1 < Jobs) ? model_n_q[i + 1] : 2'd0;
      end
      if (push_i && ready) model_n_q[3'(model_count_q - (model_done ? 3'd1 : 3'd0))] <= push_n_sel_i;
      model_count_q <= model_count_q + ((push_i && ready) ? 3'd1 : 3'd0) - (model_done ? 3'd1 : 3'd0);
    end
  end

`ifdef FORMAL
  initial assume (!rst_ni);

  always @(posedge clk_i) begin
    // The environment keeps the interface's rules.
    assume (push_n_sel_i != 2'd0);
    if (!ready) assume (!push_i);
    if (!valid) assume (!event_i);
    if (rst_ni) begin
      assert (done == model_done);
      assert (model_count_q <= 3'(Jobs));
      assert (ready == (model_count_q != 3'(Jobs)));
      assert (valid == (model_count_q != 3'd0));
      if (valid) begin
        assert (head_tag == n_done_q);
        assert (head_idx == model_idx_q);
        assert (head_idx < NW'(model_n_q[0]));
      end
    end
  end
`endif

endmodule

`default_nettype wire
