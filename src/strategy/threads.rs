//! `threads`: N threads share one device and one queue, batch 1 each —
//! the seeds' "threading" curve.

use std::sync::Arc;
use std::time::Instant;

use super::pool::{self, Devices};
use super::{Env, Shape, Strategy, StrategyKind, Workers};
use crate::experiment::PointSpec;

pub struct Threads;

impl Strategy for Threads {
    fn kind(&self) -> StrategyKind {
        StrategyKind::Threads
    }

    fn shape(&self, point: &PointSpec) -> Shape {
        let n = point.n;
        Shape {
            threads: n,
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
        let devices = Devices::Shared(Arc::clone(&env.ctx));
        pool::prepare(devices, self.shape(point), point, deadline)
    }
}
