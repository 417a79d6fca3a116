# wgpu scaling curves. `make curves` and `make test` do all the set-up.
#
#   make curves                 build, run experiments/quick.toml on the default adapter, draw the charts
#   make seeds                  the same with the seeds' full sweep (experiments/seeds.toml)
#   make seeds ARGS="--trial-s 0.3"        on a CPU adapter: each trial fitted to about 0.3 s
#   make curves ARGS="--backend gl"        pass options to `curves run` (backend, adapter, ...)
#   make curves EXPERIMENT=experiments/x.toml
#   make peak                   the device's ceilings (curves peak) into a run of their own
#   make peer-pytorch           the same experiment on PyTorch (peers/pytorch), where it exists
#   make test                   the test suite (runs real kernels on the adapter at hand;
#                               opens the HTML page in headless Chromium)
#   make lint                   rustfmt and clippy, as CI's reviewers expect
#   make redraw                 every committed report in plots/, redrawn from results/
#   make adapters               list every adapter wgpu finds

CARGO      ?= cargo
BIN        := target/release/curves
EXPERIMENT ?= experiments/quick.toml
ARGS       ?=

# Mesa's device-select Vulkan layer probes for a Wayland display and
# prints a harmless error on headless machines; curves picks the adapter
# itself, so the layer is not needed.
export NODEVICE_SELECT ?= 1

.PHONY: readme-table curves seeds peak peer-pytorch test lint redraw adapters build toolchain adapter test-adapters browser

curves: build adapter
	@dir=$$($(BIN) run $(EXPERIMENT) $(ARGS)) || exit $$?; \
	files=$$($(BIN) report "$$dir") || exit $$?; \
	echo; echo "Report (open in a browser): $$(echo "$$files" | head -n 1)"; \
	echo "Results: $$dir"; \
	echo "Also written:"; echo "$$files" | tail -n +2 | grep -v '\.svg$$' | sed 's/^/  /'

peak: build adapter
	@$(BIN) peak $(ARGS)

peer-pytorch:
	@command -v python3 >/dev/null 2>&1 || { echo "peer-pytorch needs python3 (3.11 or later), which is not installed."; exit 1; }
	@python3 -c 'import torch' 2>/dev/null || { echo "peer-pytorch needs PyTorch, which python3 cannot import: pip install torch"; exit 1; }
	@python3 peers/pytorch/curves_peer.py $(EXPERIMENT) $(ARGS)

seeds:
	@$(MAKE) --no-print-directory curves EXPERIMENT=experiments/seeds.toml

test: toolchain test-adapters browser
	$(CARGO) test --release

lint: toolchain
	$(CARGO) fmt --check
	$(CARGO) clippy --all-targets -- -D warnings

# The merged reports committed beside each run's own: a set of runs each.
H200       := results/20261204-193659-seeds-nvidia-h200-vulkan results/20261204-212444-sync-nvidia-h200-vulkan \
              results/20261204-212050-server-nvidia-h200-vulkan results/20261204-212158-host-nvidia-h200-vulkan \
              results/20261204-194530-size-nvidia-h200-vulkan results/20261204-194541-stack-nvidia-h200-vulkan \
              results/20261204-194603-pool-nvidia-h200-vulkan results/20261204-194544-quick-nvidia-h200-vulkan \
              results/20261204-194733-seeds-pytorch-cuda-nvidia-h200
WITH_TORCH := results/20261204-193659-seeds-nvidia-h200-vulkan results/20261204-194733-seeds-pytorch-cuda-nvidia-h200
ADAPTERS   := results/20261204-193659-seeds-nvidia-h200-vulkan results/20261121-080425-seeds-nvidia-h100-80gb-hbm3-vulkan \
              results/20261121-075316-seeds-llvmpipe-llvm-15-0-6-256-bits-vulkan results/20261121-081425-seeds-llvmpipe-llvm-15-0-6-256-bits-gl
H200_1205  := results/20261205-053441-seeds-nvidia-h200-vulkan results/20261205-053755-seeds-nvidia-h200-vulkan \
              results/20261205-052251-seeds-pytorch-cuda-nvidia-h200 results/20261205-054120-seeds-pytorch-cuda-nvidia-h200
CPU_QUICK  := results/20261203-091628-quick-llvmpipe-llvm-15-0-6-256-bits-vulkan results/20261203-091031-quick-llvmpipe-llvm-15-0-6-256-bits-gl

redraw: build
	@rm -rf plots
	@for d in results/*/; do $(BIN) report "$$d" >/dev/null || exit 1; done
	@$(BIN) report $(H200) --out plots/h200-2026-12-04 >/dev/null
	@$(BIN) report $(WITH_TORCH) --out plots/seeds-wgpu-and-pytorch-h200 >/dev/null
	@$(BIN) report $(ADAPTERS) --out plots/seeds-across-adapters >/dev/null
	@$(BIN) report $(CPU_QUICK) --out plots/quick-vulkan-and-gl-lavapipe >/dev/null
	@$(BIN) report $(H200_1205) --out plots/h200-2026-12-05 >/dev/null
	@$(BIN) reproduce $(wordlist 1,2,$(H200_1205)) --out plots/h200-2026-12-05/reproduce-wgpu >/dev/null
	@$(BIN) reproduce $(wordlist 3,4,$(H200_1205)) --out plots/h200-2026-12-05/reproduce-pytorch >/dev/null
	@$(MAKE) --no-print-directory readme-table
	@echo "plots/ redrawn from results/"

# The README's verdict table is the report's (the block between its
# markers, refreshed from the report it names; tests/readme.rs checks it).
README_REPORT = $(shell sed -n 's/^<!-- generated from \(.*\) -->$$/\1/p' README.md)
readme-table:
	@awk -v report="$(README_REPORT)" ' \
	  /^<!-- generated from / { print; skip = 1; \
	    while ((getline line < report) > 0) { \
	      if (line ~ /^## The seeds. claims/) inside = 1; \
	      else if (inside && line ~ /^## /) break; \
	      else if (inside && line ~ /^\|/) print line } \
	    next } \
	  /^<!-- end of generated table -->/ { skip = 0 } \
	  !skip { print }' README.md > README.md.tmp && mv README.md.tmp README.md

adapters: build
	@$(BIN) adapters

build: toolchain
	$(CARGO) build --release

toolchain:
	@command -v $(CARGO) >/dev/null 2>&1 || { \
	  echo "Rust's cargo was not found. Install the Rust toolchain with rustup, then run make again."; exit 1; }

# The HTML page is tested in Debian's Chromium, headless: installed when
# missing (as root with apt-get), otherwise the command to run is printed.
browser:
	@if ! command -v chromium >/dev/null 2>&1 && ! command -v chromium-browser >/dev/null 2>&1; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "Chromium not found: installing it (apt-get install chromium) to test the HTML report in a real browser."; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null || exit 1; \
	  else \
	    echo "The HTML report is tested in Chromium, which is missing. Install it:"; \
	    echo "  sudo apt-get install chromium"; \
	    exit 1; \
	  fi; \
	fi

# Makes sure wgpu finds at least one adapter. With none, and as root with
# apt-get at hand, installs Mesa's lavapipe (a Vulkan driver that runs on
# the CPU); otherwise prints the command to run.
adapter: build
	@$(BIN) adapters >/dev/null 2>&1; rc=$$?; \
	if [ $$rc -eq 3 ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "No GPU adapter found: installing Mesa's lavapipe (apt-get install mesa-vulkan-drivers), which runs the kernels on the CPU."; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq mesa-vulkan-drivers >/dev/null || exit 1; \
	    $(BIN) adapters >/dev/null || exit 1; \
	  else \
	    echo "No GPU adapter found. Install a Vulkan driver; with no GPU, Mesa's lavapipe runs on the CPU:"; \
	    echo "  sudo apt-get install mesa-vulkan-drivers"; \
	    exit 1; \
	  fi; \
	elif [ $$rc -ne 0 ]; then \
	  $(BIN) adapters; exit 1; \
	fi

# The tests run kernels on both Vulkan and GL (an adapter of each, which
# lavapipe and llvmpipe give a machine with no GPU), whatever the default
# adapter is.
test-adapters: build
	@missing=""; \
	$(BIN) adapters --backend vulkan >/dev/null 2>&1 || missing="$$missing mesa-vulkan-drivers"; \
	$(BIN) adapters --backend gl >/dev/null 2>&1 || missing="$$missing libegl1 libegl-mesa0 libgl1-mesa-dri"; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "The tests need a Vulkan and a GL adapter: installing$$missing (Mesa's lavapipe / llvmpipe run them on the CPU)."; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null || exit 1; \
	  else \
	    echo "The tests need a Vulkan and a GL adapter; install them (Mesa's run on the CPU):"; \
	    echo "  sudo apt-get install$$missing"; \
	    exit 1; \
	  fi; \
	fi
