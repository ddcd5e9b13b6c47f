from governance.models.param_value import ParamValue

__all__ = ["ParamValue"]
