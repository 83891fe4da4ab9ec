"""The Train panel: fine-tune (or train from scratch) on a folder of images, from the app.

Three tabs, one module each: Setup (gui/train/setup.py), Progress (progress.py) and Snapshots
(snapshots.py); a resume banner (banner.py) offers an unfinished run, and a footer with the
progress bar and Start / Pause / Stop is always visible.

The run itself is the `TrainController`'s (controller.py): it owns the run's state machine and
runs `engine.training.train` as a job of gui.core.jobs. The panel composes the pages, builds a
`TrainConfig` from `TrainState`, reads the folder before a run, and shows what comes back;
folder scans, device listing, the speed measurement and the memorisation check are jobs of the
same mechanism, on its pool.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Qt, QTimer, Signal
from PySide6.QtGui import QCloseEvent, QShowEvent
from PySide6.QtWidgets import (
    QFileDialog,
    QHBoxLayout,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QScrollArea,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from engine import events, runs
from engine.config import DataConfig, TrainConfig
from engine.paths import default_model_path
from engine.presets import PRESETS

from ..core.errors import ErrorReporter, plain_message
from ..core.jobs import JobRunner, alive
from .banner import ResumeBanner
from .common import format_duration, label
from .controller import RunState, TrainController
from .jobs import (
    GuiThreadCollector,
    ScanResult,
    base_choice_job,
    devices_job,
    estimate_job,
    scan_job,
)
from .progress import ProgressPage
from .setup import SetupPage
from .snapshots import SnapshotsPage
from .state import (
    RESOLUTIONS,
    START_DEFAULT,
    Phase,
    TrainState,
    build_config,
    default_threads,
)

log = logging.getLogger("ganvas")

ESTIMATE_DELAY_MS = 700


class _ScanProgress(QObject):
    """Carries scan_folder's progress callback from the pool thread to the UI thread."""

    progressed = Signal(int, int, int)  # stamp, done, total


class TrainPanel(QWidget):
    """Set up, run, watch and resume training runs. Emits `open_model_requested(path)` when
    a snapshot should become the browser's model."""

    open_model_requested = Signal(str)
    event_received = Signal(object)  # every engine event, after the panel has shown it
    scan_finished = Signal(object)  # ScanResult
    runs_refreshed = Signal(list)  # unfinished RunInfo list
    run_finished = Signal(str)  # "done" | "stopped" | "failed"
    memorisation_finished = Signal(object)  # MemorisationResult

    def __init__(
        self,
        reporter: ErrorReporter | None = None,
        parent: QWidget | None = None,
        *,
        default_model: Path | None = None,
        measure_speed: bool = True,
        train_fn: Callable | None = None,
        jobs: JobRunner | None = None,
    ):
        super().__init__(parent)
        self.setObjectName("trainPanel")  # its look: the trainPanel rules in ganvas.qss
        self.reporter = reporter or ErrorReporter(self)
        self.state = TrainState(self)
        self.default_model = default_model if default_model is not None else default_model_path()
        self.measure_speed = measure_speed
        self.config_overrides: dict[str, Any] = {}  # applied last (tests shrink the network)
        self.controller = TrainController(jobs or JobRunner(self), train_fn, self)

        self.scan: ScanResult | None = None
        self._scan_stamp = 0
        self._scan_key: tuple | None = None  # (folder, DataConfig) of the scan shown or running
        self._base_key: tuple | None = None  # the scan key the base choice was made for
        self._pending_start: TrainConfig | None = None
        self._after_stop: list[Callable[[], None]] = []
        self._devices_loaded = False
        self._devices: list[dict] = []
        self.threads = 0  # CPU threads for the next run (Edit → Preferences…); 0: automatic
        self._estimate_key: tuple | None = None
        self._estimating = False
        self._scan_progress = _ScanProgress(self)
        self._scan_progress.progressed.connect(self._on_scan_progress)

        self._estimate_timer = QTimer(self)
        self._estimate_timer.setSingleShot(True)
        self._estimate_timer.setInterval(ESTIMATE_DELAY_MS)
        self._estimate_timer.timeout.connect(self._measure_speed)
        self._scan_timer = QTimer(self)
        self._scan_timer.setSingleShot(True)
        self._scan_timer.setInterval(250)
        self._scan_timer.timeout.connect(self._scan_if_needed)

        self._build()
        self._connect_state()
        self._connect_controller()
        if self.default_model.is_file():
            self.state.start_from = START_DEFAULT
        self.setup.on_start_from(self.state.start_from)
        self._update_controls()
        QTimer.singleShot(0, self.refresh_runs)

    # ============================================================ construction

    def _build(self) -> None:
        c = self.controller
        self.banner = ResumeBanner(c)
        self.banner.resume_requested.connect(self.resume_run)
        self.setup = SetupPage(self.state, self.default_model, self.run_job)
        self.setup.folder_button.clicked.connect(self.choose_folder)
        self.setup.output_button.clicked.connect(self.choose_output)
        self.progress = ProgressPage(c)
        self.snapshots = SnapshotsPage(c, self.run_job, self._scanned_dataset)
        self.snapshots.open_model_requested.connect(self.open_model_requested)
        self.snapshots.memorisation_finished.connect(self.memorisation_finished)
        self.tabs = QTabWidget()
        self.tabs.setDocumentMode(True)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        scroll.setWidget(self.setup)
        self.tabs.addTab(scroll, "Setup")
        self.tabs.addTab(self.progress, "Progress")
        results_scroll = QScrollArea()
        results_scroll.setWidgetResizable(True)
        results_scroll.setWidget(self.snapshots)
        self.tabs.addTab(results_scroll, "Snapshots")

        layout = QVBoxLayout(self)
        layout.setContentsMargins(10, 8, 10, 10)
        layout.setSpacing(8)
        layout.addWidget(self.banner)
        layout.addWidget(self.tabs, 1)
        layout.addWidget(self._build_footer())

    def _build_footer(self) -> QWidget:
        footer = QWidget()
        v = QVBoxLayout(footer)
        v.setContentsMargins(0, 0, 0, 0)
        v.setSpacing(6)
        self.status_label = label("", "muted", wrap=True)
        v.addWidget(self.status_label)
        self.progress_bar = QProgressBar()
        self.progress_bar.setRange(0, 1000)
        self.progress_bar.setTextVisible(False)
        v.addWidget(self.progress_bar)
        row = QHBoxLayout()
        self.pause_button = QPushButton("Pause")
        self.pause_button.setToolTip("Pause after the current step; Resume continues")
        self.pause_button.clicked.connect(self.toggle_pause)
        self.stop_button = QPushButton("Stop")
        self.stop_button.setToolTip("Stop after the current step and save a checkpoint")
        self.stop_button.clicked.connect(self.stop)
        self.start_button = QPushButton("Start training")
        self.start_button.setObjectName("startButton")
        self.start_button.clicked.connect(self.start)
        row.addWidget(self.pause_button)
        row.addWidget(self.stop_button)
        row.addStretch(1)
        row.addWidget(self.start_button)
        v.addLayout(row)
        return footer

    def _connect_state(self) -> None:
        s = self.state
        s.folder_changed.connect(self._on_folder)
        s.phase_changed.connect(self._update_controls)
        s.preset_changed.connect(self._show_estimate)
        s.seconds_per_kimg_changed.connect(self._show_estimate)
        s.kimg_changed.connect(self._show_estimate)
        for name in ("resolution", "crop"):
            getattr(s, f"{name}_changed").connect(lambda *_: self._scan_timer.start())
        for name in ("resolution", "batch", "loss", "augment", "device", "start_from", "base_file"):
            getattr(s, f"{name}_changed").connect(self._request_estimate)
        s.start_from_changed.connect(self._choose_base)

    def _connect_controller(self) -> None:
        c = self.controller  # the pages connected to its events first: they show, then we tell
        c.state_changed.connect(self._on_run_state)
        c.status.connect(self._set_status)
        c.event.connect(self._on_event)
        c.finished.connect(self._on_outcome)

    @property
    def train_fn(self) -> Callable | None:
        return self.controller.train_fn

    @train_fn.setter
    def train_fn(self, fn: Callable | None) -> None:
        self.controller.train_fn = fn

    @property
    def run_dir(self) -> Path | None:
        return self.controller.run_dir

    def _set_status(self, text: str) -> None:
        self.status_label.setText(text)

    def _update_controls(self, *_: object) -> None:
        phase = self.state.phase
        busy = phase.busy
        self.setup.setEnabled(not busy)
        self.start_button.setEnabled(phase is Phase.READY)
        self.pause_button.setEnabled(phase in (Phase.TRAINING, Phase.PAUSED, Phase.STARTING))
        self.pause_button.setText("Resume" if phase in (Phase.PAUSED, Phase.PAUSING) else "Pause")
        self.stop_button.setEnabled(
            phase in (Phase.STARTING, Phase.TRAINING, Phase.PAUSING, Phase.PAUSED)
        )
        self.banner.resume_button.setEnabled(not busy and phase is not Phase.SCANNING)
        self.snapshots.memo_button.setEnabled(self.snapshots.latest_snapshot() is not None)
        if busy:
            self.banner.hide()
        else:
            self.banner.refresh()
        tips = {
            Phase.IDLE: "Choose a folder of images first",
            Phase.SCANNING: "Wait until the folder has been read",
            Phase.UNUSABLE: "The folder has no usable images",
        }
        self.start_button.setToolTip(tips.get(phase, "Start a new training run"))
        if phase is Phase.IDLE:
            self._set_status("Choose a folder of images to train on, or drop one on the window.")

    # ============================================================ folder and scanning

    def choose_folder(self) -> None:
        start = self.state.folder or str(Path.home())
        folder = QFileDialog.getExistingDirectory(self, "Folder of training images", start)
        if folder:
            self.set_folder(folder)

    def set_folder(self, folder: Path | str) -> None:
        """Use `folder` for the next run (a drop on the window lands here)."""
        if self.state.phase.busy:
            self._set_status("Training is running; stop it before choosing another folder.")
            return
        self.tabs.setCurrentIndex(0)
        folder = str(Path(folder).absolute())
        if folder == self.state.folder:
            self._scan_if_needed(force=True)
        self.state.folder = folder

    def _on_folder(self, folder: str) -> None:
        self.setup.show_folder(folder)
        if folder and self.setup.auto_output:
            self.state.output_dir = str(runs.new_run_dir(Path(folder).name))
        self._scan_if_needed()

    def _data_config(self) -> DataConfig:
        return DataConfig(resolution=self.state.resolution, crop=self.state.crop)

    def _scan_if_needed(self, force: bool = False) -> None:
        folder = self.state.folder
        if not folder or self.state.phase.busy:
            return
        key = (folder, self._data_config())
        if key == self._scan_key and not force:
            return
        self._scan_key = key
        self._scan_stamp += 1
        stamp = self._scan_stamp
        self.state.phase = Phase.SCANNING
        self._set_status(f"Reading images in {Path(folder).name}…")
        last = [0.0]

        def progress(done: int, total: int) -> None:
            now = time.monotonic()
            if now - last[0] > 0.1 or done == total:
                last[0] = now
                self._scan_progress.progressed.emit(stamp, done, total)

        self.run_job(
            scan_job,
            (folder, key[1].to_dict()),
            {"progress": progress},
            lambda result: self._on_scanned(stamp, result),
            lambda message: self._on_scan_failed(stamp, message),
        )

    def _on_scan_progress(self, stamp: int, done: int, total: int) -> None:
        if stamp == self._scan_stamp and self.state.phase is Phase.SCANNING:
            self._set_status(f"Reading images… {done:,} of {total:,} files")
            self.progress_bar.setValue(int(1000 * done / max(total, 1)))

    def _on_scan_failed(self, stamp: int, message: str) -> None:
        if stamp != self._scan_stamp:
            return
        self.state.phase = Phase.UNUSABLE
        self._pending_start = None
        self._show_unusable(message)

    def _on_scanned(self, stamp: int, result: ScanResult) -> None:
        if stamp != self._scan_stamp:
            return  # the folder or its settings changed while this scan ran
        self.scan = result
        self.progress_bar.setValue(0)
        self.setup.show_report(result)
        if result.dataset is None:
            self._set_status("This folder cannot be used for training. " + result.error)
        else:
            n = result.report.accepted
            self._set_status(
                f"Ready: {n:,} images. Press Start training when the settings suit you."
            )
        self.state.phase = Phase.READY if result.dataset is not None else Phase.UNUSABLE
        self.scan_finished.emit(result)
        self._choose_base()
        if self._pending_start is not None:
            cfg, self._pending_start = self._pending_start, None
            if result.dataset is not None:
                self._launch(cfg, resumed=True)
            else:
                self._set_status(f"Cannot resume: {result.error}")
        self._request_estimate()

    def _choose_base(self, *_: object) -> None:
        """With "closest bundled model": measure which bundled model draws pictures nearest to
        the folder's images, at the run's size (a few seconds, in the background)."""
        scan = self.scan
        if self.state.start_from != START_DEFAULT or scan is None or scan.dataset is None:
            return
        key = self._scan_key  # the folder and how it was read, the run's size among it
        if key == self._base_key:
            return
        self._base_key = key

        def chosen(choice: dict) -> None:
            if key == self._base_key:
                self.setup.show_base_choice(choice["reason"])
                self.state.auto_base = choice["path"]

        def failed(message: str) -> None:
            if key == self._base_key:
                self.setup.show_base_choice(message)
                self.state.auto_base = ""

        self.run_job(
            base_choice_job, (scan.dataset.images, self.state.resolution), {}, chosen, failed
        )

    def _show_unusable(self, message: str) -> None:
        self.setup.show_error_report(message)
        self._set_status("This folder cannot be used for training. " + message)

    def use_device(self, device: str) -> None:
        """The preferred device (auto, cpu, cuda, mps) for the next run, where this computer
        has it (else the best one it has)."""
        self.state.device = device
        if self._devices:
            self.setup.show_devices(self._devices)

    def _load_devices(self) -> None:
        if self._devices_loaded:
            return
        self._devices_loaded = True
        self.run_job(devices_job, (), {}, self._on_devices, lambda message: None)

    def _on_devices(self, devices: list[dict]) -> None:
        self._devices = devices
        self.setup.show_devices(devices)
        self._request_estimate()

    def _estimate_inputs(self) -> tuple:
        s = self.state
        return (s.device, s.resolution, s.batch, s.loss, s.augment, self.setup.base_path())

    def _request_estimate(self, *_: object) -> None:
        if not self.measure_speed or not self.state.folder or self.state.phase.busy:
            return
        if not self.isVisible():
            return  # measured when the panel is shown
        if self._estimate_inputs() != self._estimate_key:
            self._estimate_timer.start()

    def _measure_speed(self) -> None:
        if self._estimating:
            self._estimate_timer.start()  # one measurement at a time; try again shortly
            return
        if self.state.phase.busy:
            return
        key = self._estimate_inputs()
        if key == self._estimate_key:
            return
        self._estimate_key = key
        self._estimating = True
        self.state.seconds_per_kimg = None
        cfg = build_config(self.state, self.default_model, self.config_overrides, self.threads)
        self.setup.estimate_label.setText(
            f"Measuring the speed on {self.setup.device_combo.currentText()}…"
        )

        def done(value: float | None, error: str = "") -> None:
            self._estimating = False
            if key != self._estimate_inputs():
                self._estimate_key = None
                self._request_estimate()
                return
            if error:
                self.setup.estimate_label.setText(f"Speed not measured: {error}")
            self.state.seconds_per_kimg = value
            self._show_estimate()

        self.run_job(
            estimate_job,
            (cfg,),
            {},
            lambda v: done(v),
            lambda message: done(None, message),
        )

    def _show_estimate(self, *_: object) -> None:
        spk = self.state.seconds_per_kimg
        if spk is None:
            if not self._estimating and not self.setup.estimate_label.text().startswith(
                "Speed not"
            ):
                self.setup.estimate_label.setText("")
            return
        total = spk * self.state.kimg
        self.setup.estimate_label.setText(
            f"About {format_duration(total)} for {round(self.state.kimg * 1000):,} images "
            f"here (measured: {format_duration(spk)} per thousand)"
        )
        # each preset's length at the measured speed, on its button: times that hold here
        for key, button in self.setup.preset_buttons.items():
            kimg = PRESETS[key].values["kimg"]
            button.setText(f"{PRESETS[key].label} · {format_duration(spk * kimg)}")
            button.setToolTip(
                f"{PRESETS[key].description}\n{round(kimg * 1000):,} images: about "
                f"{format_duration(spk * kimg)} on this computer with these settings (measured)"
            )

    # ============================================================ starting, pausing, stopping

    def choose_output(self) -> None:
        start = self.state.output_dir or str(runs.runs_dir())
        folder = QFileDialog.getExistingDirectory(self, "Run folder", start)
        if folder:
            self.setup.auto_output = False
            self.state.output_dir = folder

    def start(self) -> bool:
        """Start a new run with the current settings; False (and a reason shown) if it cannot."""
        phase = self.state.phase
        if phase is not Phase.READY or self.scan is None or self.scan.dataset is None:
            reasons = {
                Phase.IDLE: "Choose a folder of images first.",
                Phase.SCANNING: "The folder is still being read.",
                Phase.UNUSABLE: "This folder has no usable images; see the list above.",
            }
            self._set_status(reasons.get(phase, "Training is already running."))
            return False
        out = self.state.output_dir
        name = Path(self.state.folder).name
        if not out:
            self.setup.auto_output = True
            self.state.output_dir = str(runs.new_run_dir(name))
        elif (Path(out) / runs.CHECKPOINT).exists():
            # a new run never continues another one: pick a fresh folder beside it
            root = runs.runs_dir() if self.setup.auto_output else Path(out).parent
            self.state.output_dir = str(runs.new_run_dir(name, root))
        cfg = build_config(self.state, self.default_model, self.config_overrides, self.threads)
        self._reset_monitor()
        self._launch(cfg, resumed=False)
        return True

    def resume_run(self, info: runs.RunInfo) -> None:
        """Continue an unfinished run: same curves, same settings, this panel's device."""
        if self.state.phase.busy:
            return
        cfg = TrainConfig.from_dict(info.config)
        cfg.run_dir = str(info.path)
        cfg.threads = self.threads or default_threads()
        if self._devices_loaded and self.state.device != "auto":
            cfg.device = self.state.device
        elif cfg.device not in ("auto", "cpu"):
            cfg.device = "auto"  # the device it ran on may not exist here
        cfg = self._apply_overrides(cfg)
        self._reset_monitor()
        self._load_history(info)
        self._pending_start = cfg
        self._show_config(cfg)  # may start the scan already (a new folder)
        self.banner.hide()
        self.tabs.setCurrentWidget(self.progress)
        key = (self.state.folder, self._data_config())
        if self.state.phase is Phase.SCANNING and self._scan_key == key:
            self._set_status(f"Reading images to resume {info.name}…")
        elif self.state.phase is Phase.READY and self._scan_key == key:
            self._pending_start = None
            self._launch(cfg, resumed=True)
        else:
            self._set_status(f"Reading images to resume {info.name}…")
            self._scan_if_needed(force=True)

    def _apply_overrides(self, cfg: TrainConfig) -> TrainConfig:
        for name, value in self.config_overrides.items():
            if name not in ("data", "model", "kimg", "batch"):
                setattr(cfg, name, value)
        return cfg

    def _show_config(self, cfg: TrainConfig) -> None:
        """Show a stored run's settings in the widgets (they are disabled while it runs)."""
        s = self.state
        self.setup.auto_output = False
        s.output_dir = cfg.run_dir
        if cfg.data.resolution in RESOLUTIONS:
            s.resolution = cfg.data.resolution
        s.crop = cfg.data.crop
        for name in ("kimg", "batch", "loss", "augment", "mirror", "ema_kimg", "seed"):
            setattr(s, name, getattr(cfg, name))
        s.lr = cfg.lr_g
        if cfg.ada_target is not None:
            s.ada_target = cfg.ada_target
        s.folder = cfg.data_dir

    def _launch(self, cfg: TrainConfig, resumed: bool) -> None:
        self.tabs.setCurrentWidget(self.progress)
        self.controller.start(cfg, self._scanned_dataset(cfg), resumed)

    def _scanned_dataset(self, cfg: TrainConfig):
        """The dataset already decoded for cfg's folder and data settings, if there is one."""
        scan = self.scan
        if scan is None or scan.dataset is None:
            return None
        same = (scan.folder, DataConfig.from_dict(scan.data))
        return scan.dataset if same == (str(Path(cfg.data_dir).absolute()), cfg.data) else None

    def toggle_pause(self) -> None:
        self.controller.toggle_pause()

    def pause(self) -> None:
        self.controller.pause()

    def resume(self) -> None:
        self.controller.resume()

    def stop(self) -> None:
        self.controller.stop()

    def _on_run_state(self, run: RunState) -> None:
        """The panel's phase follows the run; after it, the folder decides."""
        phases = {
            RunState.PREPARING: Phase.STARTING,
            RunState.RUNNING: Phase.TRAINING,
            RunState.PAUSING: Phase.PAUSING,
            RunState.PAUSED: Phase.PAUSED,
            RunState.STOPPING: Phase.STOPPING,
        }
        ready = self.scan is not None and self.scan.dataset is not None
        self.state.phase = phases.get(run, Phase.READY if ready else Phase.IDLE)

    def _on_outcome(self, kind: str, message: str, details: str) -> None:
        if kind == "done":
            self.progress_bar.setValue(1000)
        self.snapshots.refresh()
        self.run_finished.emit(kind)
        if kind == "failed":
            self.reporter.report("Training stopped", message, details, parent=self)
        self.refresh_runs()
        callbacks, self._after_stop = self._after_stop, []
        for callback in callbacks:
            callback()

    # ============================================================ events from training
    # ============================================================ events from training

    def _reset_monitor(self) -> None:
        self.controller.reset()
        self.progress.reset()
        self.progress_bar.setValue(0)
        self.snapshots.clear()

    def _on_event(self, ev: object) -> None:
        if isinstance(ev, events.Progress):
            total = self.controller.total_kimg
            self.progress_bar.setValue(int(1000 * min(ev.kimg / total, 1.0)))
        self.event_received.emit(ev)

    def _load_history(self, info: runs.RunInfo) -> None:
        """Fill the plots, preview and snapshots from what the run wrote before."""
        self.progress.show_history(info, self.controller.load_history(info))
        self.progress_bar.setValue(int(1000 * min(info.kimg / max(info.total_kimg, 1e-9), 1)))
        self.snapshots.refresh()

    # ============================================================ snapshots

    def snapshot_paths(self) -> list[str]:
        return self.snapshots.snapshot_paths()

    def open_snapshot(self, path: str) -> None:
        self.open_model_requested.emit(path)

    def check_memorisation(self) -> None:
        self.snapshots.check_memorisation()

    # ============================================================ unfinished runs

    def refresh_runs(self) -> None:
        """Look for unfinished runs in the background; the banner offers the newest."""
        if not alive(self):
            return
        self.run_job(runs.unfinished_runs, (), {}, self._on_runs, lambda message: None)

    def _on_runs(self, found: list[runs.RunInfo]) -> None:
        self.banner.set_runs(found)
        self.runs_refreshed.emit(found)

    # ============================================================ closing

    def close_ok(self, then: Callable[[], None]) -> bool:
        """True when nothing is training. Otherwise ask "stop and save?"; on yes, stop and
        call `then` once the checkpoint is written. Returns False until then."""
        if not self.state.phase.busy:
            return True
        if self.state.phase is not Phase.STOPPING:
            answer = QMessageBox.question(
                self,
                "Ganvas",
                "Training is running — stop and save?\n\nThe run stops after the current step "
                "and saves a checkpoint; you can resume it next time.",
                QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel,
                QMessageBox.StandardButton.Yes,
            )
            if answer != QMessageBox.StandardButton.Yes:
                return False
            self.stop()
        self._after_stop.append(then)
        return False

    def shutdown(self, timeout_ms: int = 60_000) -> None:
        """Stop any run and wait for its checkpoint (tests and last-resort cleanup)."""
        self.controller.shutdown(timeout_ms)

    def closeEvent(self, event: QCloseEvent) -> None:
        self.shutdown()
        super().closeEvent(event)

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self._load_devices()
        self._request_estimate()

    # ============================================================ jobs

    def run_job(
        self,
        fn: Callable,
        args: tuple,
        kwargs: dict,
        on_done: Callable[[Any], None],
        on_error: Callable[[str], None],
    ) -> None:
        """Run fn(*args, **kwargs) as a job on the pool; the callbacks run on the UI thread
        (on_error with the failure in plain words) unless the panel has been deleted meanwhile.
        Python's garbage collector stays on the UI thread until the job ends."""
        collector = GuiThreadCollector.instance()
        if collector is not None:
            collector.hold()
        job = self.controller.jobs.call(fn.__name__, fn, *args, describe=plain_message, **kwargs)

        def ended() -> None:
            if collector is not None:
                collector.release()

        job.finished.connect(ended)
        job.done.connect(lambda value: alive(self) and on_done(value))
        job.failed.connect(lambda message, _details: alive(self) and on_error(message))
