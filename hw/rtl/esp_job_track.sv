// esp_job_track: the outstanding jobs of an AXI channel pair whose answers
// come back in order (esp_mem_rd: R beats, esp_mem_wr: B responses). A job
// is pushed with the number of answers it waits for and a tag; each event_i
// is one answer for the oldest job (head_*): head_idx_o answers of it have
// arrived before this one, and done_o marks the event that completes it
// (it leaves with that event). Up to Jobs jobs.
`default_nettype none

module esp_job_track #(
  parameter int unsigned TagW = 4,
  parameter int unsigned Jobs = 4,
  parameter int unsigned NW   = 16     // width of an answer count
) (
  input  wire logic            clk_i,
  input  wire logic            rst_ni,

  input  wire logic            push_i,      // only when ready_o
  input  wire logic [NW-1:0]   push_n_i,    // answers, >= 1
  input  wire logic [TagW-1:0] push_tag_i,
  output      logic            ready_o,

  input  wire logic            event_i,     // only when valid_o
  output      logic            valid_o,
  output      logic [TagW-1:0] head_tag_o,
  output      logic [NW-1:0]   head_idx_o,
  output      logic            done_o
);

  logic                  pop;
  logic [NW+TagW-1:0]    head;
  logic [$clog2(Jobs):0] count;
  logic [NW-1:0]         head_n, idx_q;

  esp_fifo_sync #(
    .Width (NW + TagW),
    .Depth (Jobs)
  ) u_jobs (
    .clk_i,
    .rst_ni,
    .wvalid_i (push_i),
    .wready_o (ready_o),
    .wdata_i  ({push_n_i, push_tag_i}),
    .rvalid_o (valid_o),
    .rready_i (pop),
    .rdata_o  (head),
    .count_o  (count)
  );
  assign {head_n, head_tag_o} = head;

  assign pop        = valid_o && event_i && (idx_q + NW'(1) == head_n);
  assign done_o     = pop;
  assign head_idx_o = idx_q;

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) idx_q <= '0;
    else if (valid_o && event_i) idx_q <= pop ? '0 : idx_q + NW'(1);
  end

  logic unused_count;
  assign unused_count = ^count;

endmodule : esp_job_track

`default_nettype wire
