//! `devices`: N threads in one process, each with its own wgpu device (and
//! so its own queue) on the same adapter, batch 1 each. Beside `threads`
//! (one queue) and `processes` (one device per process) it tells apart
//! "serialised per queue", "per device" and "per process".

use std::time::Instant;

use super::pool::{self, Devices};
use super::{Env, Shape, Strategy, StrategyKind, Workers};
use crate::experiment::PointSpec;

pub struct DevicesStrategy;

impl Strategy for DevicesStrategy {
    fn kind(&self) -> StrategyKind {
        StrategyKind::Devices
    }

    fn shape(&self, point: &PointSpec) -> Shape {
        Shape {
            threads: point.n,
            processes: 1,
            batch: 1,
        }
    }

    fn prepare(
        &self,
        point: &PointSpec,
        env: &Env,
        deadline: Instant,
    ) -> Result<Box<dyn Workers>, String> {
        let devices = Devices::OnePerWorker(env.selection.clone());
        pool::prepare(devices, self.shape(point), point, deadline)
    }
}
