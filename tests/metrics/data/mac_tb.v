// mac_tb.v - Verilator testbench printing rtlsim counts as key=value lines
// (the format lib/metrics' rtlsim_counts parser reads).
module mac_tb;
  reg clk = 0, rst = 1;
  reg [7:0] a = 3, b = 5;
  wire [15:0] acc; wire [3:0] cnt;
  integer cycles = 0, first = -1, stalls = 0;
  mac dut(.clk(clk), .rst(rst), .a(a), .b(b), .acc(acc), .cnt(cnt));
  always #5 clk = ~clk;
  always @(posedge clk) begin
    cycles <= cycles + 1;
    if (cycles == 2) rst <= 0;
    if (!rst && acc != 0 && first < 0) first <= cycles;
    if (rst) stalls <= stalls + 1;
    if (cycles == 100) begin
      $display("rtlsim: cycles=%0d latency_cycles=%0d interval_cycles=1 inferences=97 fclk_mhz=100", cycles, first);
      $display("rtlsim: layer=mac stall_cycles=%0d cycles=%0d", stalls, cycles);
      $finish;
    end
  end
endmodule
