//! `batch`: one thread, one op of N samples at a time — the seeds'
//! "batching" curve.

use std::sync::Arc;
use std::time::Instant;

use super::pool::{self, Devices};
use super::{Env, Shape, Strategy, StrategyKind, Workers};
use crate::experiment::PointSpec;

pub struct Batch;

impl Strategy for Batch {
    fn kind(&self) -> StrategyKind {
        StrategyKind::Batch
    }

    fn shape(&self, point: &PointSpec) -> Shape {
        let n = point.n;
        Shape {
            threads: 1,
            processes: 1,
            batch: n,
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
