"""PySpark 3.5's Python-side error classes used by sparkpp: name -> message template.

Templates use <param> placeholders as PySpark's error_classes.py; messages read
"[CLASS] text" exactly as PySpark prints them."""

ERROR_CLASSES = {
    "ATTRIBUTE_NOT_SUPPORTED": "Attribute `<attr_name>` is not supported.",
    "CALL_BEFORE_INITIALIZE": "Not supported to call `<func_name>` before initialize <object>.",
    "CANNOT_BE_NONE": "Argument `<arg_name>` can not be None.",
    "CANNOT_CONVERT_COLUMN_INTO_BOOL": "Cannot convert column into bool: please use '&' for "
    "'and', '|' for 'or', '~' for 'not' when building DataFrame boolean expressions.",
    "CANNOT_CONVERT_TYPE": "Cannot convert <from_type> into <to_type>.",
    "CANNOT_DETERMINE_TYPE": "Some of types cannot be determined after inferring.",
    "CANNOT_INFER_EMPTY_SCHEMA": "Can not infer schema from empty dataset.",
    "CANNOT_INFER_SCHEMA_FOR_TYPE": "Can not infer schema for type: `<data_type>`.",
    "CANNOT_INFER_TYPE_FOR_FIELD": "Unable to infer the type of the field `<field_name>`.",
    "CANNOT_MERGE_TYPE": "Can not merge type `<data_type1>` and `<data_type2>`.",
    "CANNOT_PARSE_DATATYPE": "Unable to parse datatype. <msg>.",
    "CANNOT_SET_TOGETHER": "<arg_list> should not be set together.",
    "CANNOT_ACCEPT_OBJECT_IN_TYPE": "`<data_type>` can not accept object `<obj_name>` in type "
    "`<obj_type>`.",
    "CANNOT_ACCESS_TO_DUNDER": "Dunder(double underscore) attribute is for internal use only.",
    "CANNOT_APPLY_IN_FOR_COLUMN": "Cannot apply 'in' operator against a column: please use "
    "'contains' in a string column or 'array_contains' function for an array column.",
    "CANNOT_BE_EMPTY": "At least one <item> must be specified.",
    "COLUMN_IN_LIST": "`<func_name>` does not allow a Column in a list.",
    "CONTEXT_ONLY_VALID_ON_DRIVER": "It appears that you are attempting to reference "
    "SparkContext from a broadcast variable, action, or transformation. SparkContext can only be "
    "used on the driver, not in code that it run on workers. For more information, see "
    "SPARK-5063.",
    "DISALLOWED_TYPE_FOR_CONTAINER": "Argument `<arg_name>`(type: <arg_type>) should only "
    "contain a type in [<allowed_types>], got <return_type>",
    "NOT_IN_BARRIER_STAGE": "It is not in a barrier stage.",
    "INVALID_NDARRAY_DIMENSION": "NumPy array input should be of <dimensions> dimensions.",
    "INVALID_TYPE_DF_EQUALITY_ARG": "Expected type <expected_type> for `<arg_name>` but got "
    "type <actual_type>.",
    "NOT_BOOL": "Argument `<arg_name>` should be a bool, got <arg_type>.",
    "INVALID_UDF_EVAL_TYPE": "Eval type for UDF must be <eval_type>.",
    "INVALID_PANDAS_UDF": "Invalid function: <detail>",
    "INVALID_PANDAS_UDF_TYPE": "`<arg_name>` should be one of the values from PandasUDFType, got "
                               "<arg_type>",
    "TYPE_HINT_SHOULD_BE_SPECIFIED": "Type hint should be specified for <target>; however, got "
                                     "<sig>.",
    "UNSUPPORTED_SIGNATURE": "Unsupported signature: <signature>.",
    "NOT_CALLABLE": "Argument `<arg_name>` should be a callable, got <arg_type>.",
    "CANNOT_SPECIFY_RETURN_TYPE_FOR_UDF": "returnType can not be specified when `<arg_name>` is a "
                                          "user-defined function, but got <return_type>.",
    "LENGTH_SHOULD_BE_THE_SAME": "<arg1> and <arg2> should be of the same length, got "
    "<arg1_length> and <arg2_length>.",
    "MIXED_TYPE_REPLACEMENT": "Mixed type replacements are not supported.",
    "ARGUMENT_REQUIRED": "Argument `<arg_name>` is required when <condition>.",
    "NOT_BOOL_OR_FLOAT_OR_INT_OR_LIST_OR_NONE_OR_STR_OR_TUPLE": "Argument `<arg_name>` should be a "
    "bool, float, int, list, None, str or tuple, got <arg_type>.",
    "NOT_BOOL_OR_DICT_OR_FLOAT_OR_INT_OR_STR": "Argument `<arg_name>` should be a bool, dict, "
    "float, int or str, got <arg_type>.",
    "NOT_BOOL_OR_LIST": "Argument `<arg_name>` should be a bool or list, got <arg_type>.",
    "NOT_COLUMN_OR_FLOAT_OR_INT_OR_LIST_OR_STR": "Argument `<arg_name>` should be a column, "
    "float, integer, list or string, got <arg_type>.",
    "NOT_LIST_OF_STR": "Argument `<arg_name>` should be a list[str], got <arg_type>.",
    "NOT_BOOL_OR_DICT_OR_FLOAT_OR_INT_OR_LIST_OR_STR_OR_TUPLE": "Argument `<arg_name>` should "
    "be a bool, dict, float, int, str or tuple, got <arg_type>.",
    "NOT_BOOL_OR_FLOAT_OR_INT_OR_STR": "Argument `<arg_name>` should be a bool, float, int or "
    "str, got <arg_type>.",
    "HIGHER_ORDER_FUNCTION_SHOULD_RETURN_COLUMN": "Function `<func_name>` should return Column, got <return_type>.",
    "NOT_COLUMN": "Argument `<arg_name>` should be a Column, got <arg_type>.",
    "UNSUPPORTED_PARAM_TYPE_FOR_HIGHER_ORDER_FUNCTION": "Function `<func_name>` should use only POSITIONAL or "
    "POSITIONAL OR KEYWORD arguments.",
    "WRONG_NUM_ARGS_FOR_HIGHER_ORDER_FUNCTION": "Function `<func_name>` should take between 1 and 3 arguments, "
    "but provided function takes <num_args>.",
    "NOT_COLUMN_OR_DATATYPE_OR_STR": "Argument `<arg_name>` should be a Column, str or "
    "DataType, but got <arg_type>.",
    "NOT_COLUMN_OR_INT": "Argument `<arg_name>` should be a Column or int, got <arg_type>.",
    "NOT_COLUMN_OR_INT_OR_STR": "Argument `<arg_name>` should be a Column, int or str, got "
    "<arg_type>.",
    "NOT_COLUMN_OR_LIST_OR_STR": "Argument `<arg_name>` should be a Column, list or str, got "
    "<arg_type>.",
    "NOT_COLUMN_OR_STR": "Argument `<arg_name>` should be a Column or str, got <arg_type>.",
    "NOT_DATAFRAME": "Argument `<arg_name>` should be a DataFrame, got <arg_type>.",
    "NOT_DATATYPE_OR_STR": "Argument `<arg_name>` should be a DataType or str, got <arg_type>.",
    "NOT_DICT": "Argument `<arg_name>` should be a dict, got <arg_type>.",
    "NOT_FLOAT_OR_INT": "Argument `<arg_name>` should be a float or int, got <arg_type>.",
    "NOT_IMPLEMENTED": "<feature> is not implemented.",
    "NOT_INT": "Argument `<arg_name>` should be an int, got <arg_type>.",
    "NOT_ITERABLE": "<objectName> is not iterable.",
    "NOT_LIST": "Argument `<arg_name>` should be a list, got <arg_type>.",
    "NOT_LIST_OR_STR_OR_TUPLE": "Argument `<arg_name>` should be a list, str or tuple, got "
    "<arg_type>.",
    "NOT_LIST_OR_TUPLE": "Argument `<arg_name>` should be a list or tuple, got <arg_type>.",
    "NOT_SAME_TYPE": "Argument `<arg_name1>` and `<arg_name2>` should be the same type, got "
    "<arg_type1> and <arg_type2>.",
    "NOT_WINDOWSPEC": "Argument `<arg_name>` should be a WindowSpec, got <arg_type>.",
    "VALUE_NOT_BETWEEN": "Value for `<arg_name>` must be between <min> and <max>.",
    "VALUE_NOT_PEARSON": "Value for `<arg_name>` only supports the 'pearson', got "
    "'<arg_value>'.",
    "NOT_STR": "Argument `<arg_name>` should be a str, got <arg_type>.",
    "NOT_STR_OR_LIST_OF_RDD": "Argument `<arg_name>` should be a str or list[RDD], got "
    "<arg_type>.",
    "NOT_STR_OR_STRUCT": "Argument `<arg_name>` should be a str or structType, got <arg_type>.",
    "ONLY_ALLOWED_FOR_SINGLE_COLUMN": "Argument `<arg_name>` can only be provided for a "
    "single column.",
    "SHOULD_NOT_DATAFRAME": "Argument `<arg_name>` should not be a DataFrame.",
    "SLICE_WITH_STEP": "Slice with step is not supported.",
    "TOO_MANY_VALUES": "Expected <expected> values for `<item>`, got <actual>.",
    "UNEXPECTED_TUPLE_WITH_STRUCT": "Unexpected tuple <tuple> with StructType.",
    "UNSUPPORTED_DATA_TYPE": "Unsupported DataType `<data_type>`.",
    "UNSUPPORTED_JOIN_TYPE": "Unsupported join type: <join_type>. Supported join types "
    "include: \"inner\", \"outer\", \"full\", \"fullouter\", \"full_outer\", "
    "\"leftouter\", \"left\", \"left_outer\", \"rightouter\", \"right\", \"right_outer\", "
    "\"leftsemi\", \"left_semi\", \"semi\", \"leftanti\", \"left_anti\", \"anti\", \"cross\".",
    "UNSUPPORTED_LITERAL": "Unsupported Literal '<literal>'.",
    "VALUE_NOT_ANY_OR_ALL": "Value for `<arg_name>` must be 'any' or 'all', got '<arg_value>'.",
    "VALUE_NOT_POSITIVE": "Value for `<arg_name>` must be positive, got '<arg_value>'.",
    "VALUE_OUT_OF_BOUND": "Value for `<arg_name>` must be greater than <lower_bound> or less "
    "than <upper_bound>, got <actual>",
    "WRONG_NUM_COLUMNS": "Function `<func_name>` should take at least <num_cols> columns.",
    "UNSUPPORTED_OPERATION": "<operation> is not supported.",
}


def format_message(error_class, params):
    text = ERROR_CLASSES[error_class]
    for k, v in (params or {}).items():
        text = text.replace("<%s>" % k, str(v))
    return "[%s] %s" % (error_class, text)
