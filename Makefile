# esp-offload: `make demo` runs the main job, `make test` runs every test.
# Each target installs what it needs from Debian (scripts/deps.sh) and builds first.

PYTHON   := /usr/bin/python3
BUILD    := build
ASAN     := build/asan
TSAN     := build/tsan
JOBS     ?= $(shell nproc)
BACKEND  ?= swemu
# Cold builds cheaper in CPU (cmake/EspBuildSpeed.cmake): unity builds of the
# test executables and the runtime / IKE / reference libraries, and one
# precompiled header (gtest + standard headers) per tree shared by every test.
SPEED_FLAGS := -DESP_UNITY_BUILD=ON -DESP_PCH=ON
CMAKE_FLAGS := -G Ninja -DPython3_EXECUTABLE=$(PYTHON) $(SPEED_FLAGS)
# Debug info as line tables (-g1): enough for every stack trace the
# sanitizers and gdb's backtraces print, at about two thirds of -g's compile
# time. The sanitizer builds at -O1 (what ASan/TSan recommend): half of -O2's.
OPT_FLAGS := '-DCMAKE_CXX_FLAGS_RELWITHDEBINFO=-O2 -g1 -DNDEBUG' '-DCMAKE_C_FLAGS_RELWITHDEBINFO=-O2 -g1 -DNDEBUG'
SAN_FLAGS := '-DCMAKE_CXX_FLAGS_RELWITHDEBINFO=-O1 -g1 -DNDEBUG' '-DCMAKE_C_FLAGS_RELWITHDEBINFO=-O1 -g1 -DNDEBUG'

.PHONY: all deps build build-asan build-tsan test test-unit test-release demo bench area clean

all: build

deps:
	@scripts/deps.sh

# The unit tests run in the sanitizer builds; the optimised build makes only
# the executables its own stage runs (UNIT_IN_BUILD=ON builds them all there too).
UNIT_IN_BUILD ?= OFF

# The optimised build must have the RTL model (cosim backend, rtl/cosim tests):
# without Verilator, configuring fails with a message saying so, instead of a
# test run that silently has no rtl/cosim tests.
$(BUILD)/build.ninja: CMakeLists.txt | deps
	cmake -S . -B $(BUILD) $(CMAKE_FLAGS) $(OPT_FLAGS) -DCMAKE_BUILD_TYPE=RelWithDebInfo -DESP_WITH_COSIM=ON \
	  -DESP_UNIT_TESTS=$(UNIT_IN_BUILD)

build: deps $(BUILD)/build.ninja
	cmake --build $(BUILD) -j $(JOBS)

$(ASAN)/build.ninja: CMakeLists.txt | deps
	cmake -S . -B $(ASAN) $(CMAKE_FLAGS) $(SAN_FLAGS) -DCMAKE_BUILD_TYPE=RelWithDebInfo -DESP_SANITIZE=address -DESP_TESTS_ONLY=ON -DESP_WITH_COSIM=OFF

build-asan: deps $(ASAN)/build.ninja
	cmake --build $(ASAN) -j $(JOBS)

# ThreadSanitizer build: only the executables of tests labelled `tsan`
# (the target esp_tsan_tests, cmake/EspTesting.cmake), nothing else.
$(TSAN)/build.ninja: CMakeLists.txt | deps
	cmake -S . -B $(TSAN) $(CMAKE_FLAGS) $(SAN_FLAGS) -DCMAKE_BUILD_TYPE=RelWithDebInfo -DESP_SANITIZE=thread -DESP_TESTS_ONLY=ON -DESP_WITH_COSIM=OFF

build-tsan: deps $(TSAN)/build.ninja
	cmake --build $(TSAN) -j $(JOBS) --target esp_tsan_tests

# Three stages, which always all run; the target fails if any did and says
# which:
#  - unit tests (label `unit`) under ASan+UBSan ($(ASAN));
#  - everything else (tools, end-to-end, Python, third-party peers) on the
#    optimised build ($(BUILD)), except tests labelled `tsan`;
#  - tests labelled `tsan` (threads) under ThreadSanitizer ($(TSAN)).
# TSan needs its shadow memory at fixed addresses; on kernels with a large
# vm.mmap_rnd_bits gcc's TSan stops with "unexpected memory mapping", so the
# stage runs with address-space randomisation off (setarch -R) wherever
# setarch is allowed to do that.
test: build build-asan build-tsan
	@rc=0; \
	(cd $(ASAN) && ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
	  ctest -L unit --output-on-failure -j $(JOBS)) || rc=$$((rc | 1)); \
	(cd $(BUILD) && ctest -LE '^(unit|tsan)$$' --output-on-failure -j $(JOBS)) || rc=$$((rc | 2)); \
	norand=""; if setarch "$$(uname -m)" -R true 2>/dev/null; then norand="setarch $$(uname -m) -R"; fi; \
	(cd $(TSAN) && TSAN_OPTIONS=halt_on_error=1:second_deadlock_stack=1 \
	  $$norand ctest -L '^tsan$$' --output-on-failure -j $(JOBS)) || rc=$$((rc | 4)); \
	[ $$((rc & 1)) -eq 0 ] || echo "make test: FAILED in the ASan+UBSan unit stage ($(ASAN))"; \
	[ $$((rc & 2)) -eq 0 ] || echo "make test: FAILED in the optimised stage ($(BUILD))"; \
	[ $$((rc & 4)) -eq 0 ] || echo "make test: FAILED in the TSan stage ($(TSAN))"; \
	[ $$rc -ne 0 ] || echo "make test: all three stages passed"; \
	exit $$(( rc != 0 ))

# Two esp-iked gateways (each its own emulated card, BACKEND=swemu or cosim) in
# network namespaces with a host behind each: negotiation, a checksummed
# transfer through both cards, list-sas and counters, build/demo/esp.pcap and
# the Wireshark key files. Needs root; without it, says what to run instead
# (the single-card capture demo: $(BUILD)/bin/esp-demo --backend swemu --out $(BUILD)/demo).
demo: build
	$(PYTHON) scripts/gateway_demo.py --backend $(BACKEND) --build $(BUILD) --out $(BUILD)/demo

# swemu vs OpenSSL; the IKE table (esp-iked next to strongSwan as responder,
# network namespaces: root); the card in clock cycles (RTL in Verilator, or "cosim datapath
# not available" until hw/rtl has it); the area table of the last `make area`;
# the gateway table (an esp-iked pair on swemu next to a strongSwan kernel-libipsec
# pair, iperf3 through both; root, else it says so and the bench goes on).
bench: build
	$(BUILD)/bin/esp-bench --json $(BUILD)/bench/swemu.json
	$(BUILD)/bin/esp-runtime-bench --json $(BUILD)/bench/runtime.json
	@if [ -x $(BUILD)/bin/esp-card-bench ]; then \
	  $(BUILD)/bin/esp-card-bench --json $(BUILD)/bench/card.json; \
	else \
	  echo "esp-card-bench: cosim backend not built (no verilator): cosim datapath not available"; \
	fi
	@$(PYTHON) hw/synth/area.py --print $(BUILD)/bench/area.json
	$(PYTHON) bench/ike/ike_bench.py --build $(BUILD) --json $(BUILD)/bench/ike.json
	$(PYTHON) bench/gateway/gw_bench.py --build $(BUILD) --json $(BUILD)/bench/gateway.json \
	  --card-json $(BUILD)/bench/card.json

# Area estimate of hw/rtl for the Alveo U55C (yosys synth_xilinx -family xcup,
# minutes per top): $(BUILD)/bench/area.json, which `make bench` prints.
area: deps $(BUILD)/build.ninja
	cmake --build $(BUILD) --target esp_spec_gen
	$(PYTHON) hw/synth/area.py --spec-sv $(BUILD)/gen/sv/esp_spec_pkg.sv --work $(BUILD)/synth \
	  --json $(BUILD)/bench/area.json

clean:
	rm -rf $(BUILD)
